#include "replica/runtime/bounded_queue.h"

#include <gtest/gtest.h>

#include <thread>

namespace loyal::runtime {
namespace {

using Clock = std::chrono::steady_clock;

TEST(BoundedQueue, RefusesWhatDoesNotFitAndLeavesItWithTheCaller) {
  BoundedQueue<std::string> queue(2);
  std::string a = "a", b = "b", c = "c";
  EXPECT_TRUE(queue.try_push(a));
  EXPECT_TRUE(queue.try_push(b));
  EXPECT_FALSE(queue.try_push(c));
  EXPECT_EQ(c, "c");
  EXPECT_EQ(queue.size(), 2u);
  std::vector<std::string> out;
  EXPECT_EQ(queue.try_pop(out, 10), 2u);
  EXPECT_EQ(out, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(queue.try_push(c));  // room again
}

TEST(BoundedQueue, PopTakesAtMostTheAskedNumberInOrder) {
  BoundedQueue<int> queue(10);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(queue.try_push(i));
  std::vector<int> out;
  EXPECT_EQ(queue.pop_until(out, 3, Clock::now()), 3u);
  EXPECT_EQ(out, (std::vector<int>{0, 1, 2}));
}

TEST(BoundedQueue, PopUntilReturnsNothingAtTheDeadline) {
  BoundedQueue<int> queue(1);
  std::vector<int> out;
  EXPECT_EQ(queue.pop_until(out, 1, Clock::now() + std::chrono::milliseconds(5)), 0u);
}

TEST(BoundedQueue, CloseWakesAWaiterAndRefusesPushes) {
  BoundedQueue<int> queue(4);
  int one = 1;
  ASSERT_TRUE(queue.try_push(one));
  std::vector<int> drained;
  std::size_t second_pop = 99;
  std::thread consumer([&] {
    queue.pop_wait(drained, 10);
    second_pop = queue.pop_wait(drained, 10);  // blocks until close()
  });
  queue.close();
  consumer.join();
  EXPECT_EQ(drained, std::vector<int>{1});
  EXPECT_EQ(second_pop, 0u);
  int two = 2;
  EXPECT_FALSE(queue.try_push(two));
}

}  // namespace
}  // namespace loyal::runtime
