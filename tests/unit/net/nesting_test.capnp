@0xc899f259d2bf0a6e;
# Test-only shapes a hostile sender could put on the wire, for decoder rejection tests.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("loyal::net::test_wire");

# A linked chain: each link is one more level of pointer nesting.
struct Chain {
  next @0 :Chain;
}
