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

TEST(BoundedQueue, PushWaitWaitsForRoomAndKeepsTheOrder) {
  BoundedQueue<int> queue(1);
  int first = 1;
  ASSERT_TRUE(queue.push_wait(first));
  EXPECT_EQ(queue.room(), 0u);
  bool second_pushed = false;
  std::thread producer([&] {
    int second = 2;
    second_pushed = queue.push_wait(second);  // blocks until the pop below
  });
  std::vector<int> out;
  EXPECT_EQ(queue.pop_wait(out, 1), 1u);
  EXPECT_EQ(queue.pop_wait(out, 1), 1u);  // waits for the producer's push
  producer.join();
  EXPECT_TRUE(second_pushed);
  EXPECT_EQ(out, (std::vector<int>{1, 2}));
}

TEST(BoundedQueue, WaitForRoomReturnsAtTheDeadlineOrWhenAnItemIsTaken) {
  BoundedQueue<int> queue(1);
  int one = 1;
  ASSERT_TRUE(queue.try_push(one));
  EXPECT_FALSE(queue.wait_for_room(Clock::now() + std::chrono::milliseconds(5)));
  std::thread consumer([&] {
    std::vector<int> out;
    queue.pop_wait(out, 1);
  });
  EXPECT_TRUE(queue.wait_for_room(Clock::now() + std::chrono::seconds(30)));
  consumer.join();
  EXPECT_EQ(queue.room(), 1u);
}

TEST(BoundedQueue, CloseWakesAProducerWaitingForRoom) {
  BoundedQueue<int> queue(1);
  int one = 1;
  ASSERT_TRUE(queue.try_push(one));
  bool pushed = true;
  std::thread producer([&] {
    int two = 2;
    pushed = queue.push_wait(two);  // blocks until close()
  });
  queue.close();
  producer.join();
  EXPECT_FALSE(pushed);
  EXPECT_EQ(queue.room(), 0u);
  EXPECT_FALSE(queue.wait_for_room(Clock::now() + std::chrono::seconds(30)));
}

}  // namespace
}  // namespace loyal::runtime
