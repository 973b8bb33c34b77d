#include "../src/core/rpc_relay.h"

#include <thread>

#include "check.h"

using namespace vireo;

TEST(rpc_relay_forwards_once_and_returns_the_reply) {
  RpcRelay relay;
  int calls = 0;
  relay.set_notify([&](RpcMessage m) {
    ++calls;
    // The host answers from another thread, as the JS thread does.
    std::thread([&relay, id = m.id, text = m.bytes] { relay.reply(id, "1 echo:" + text); }).detach();
  });
  CHECK(relay.on_message(1, false, 7, "log hello") == "1 echo:log hello");
  CHECK_EQ(calls, 1);
}

TEST(rpc_relay_answers_mirrored_info_get_on_the_vcpu_thread) {
  RpcRelay relay;
  int calls = 0;
  relay.set_notify([&](RpcMessage m) {
    ++calls;
    relay.reply(m.id, "0 No value found");
  });
  relay.mirror_guest_info("guestinfo.x", "y z");
  CHECK(relay.on_message(1, false, 7, std::string("info-get GuestInfo.X  \0", 23)) == "1 y z");
  CHECK_EQ(calls, 0);
  CHECK(relay.on_message(1, false, 7, "info-get guestinfo.other") == "0 No value found");
  CHECK_EQ(calls, 1);
  CHECK(relay.on_message(1, true, 7, "info-get guestinfo.x") == "0 No value found");  // TCLO: never
}

TEST(rpc_relay_without_host_or_after_cancel_gives_a_defined_failure) {
  RpcRelay relay;
  CHECK(relay.on_message(1, false, 1, "info-get guestinfo.x") == "0 Tools service unavailable");
  CHECK(relay.on_message(1, true, 1, "").empty());
  relay.set_notify([&](RpcMessage) {
    std::thread([&relay] { relay.cancel_all(); }).detach();  // the host never answers
  });
  CHECK(relay.on_message(1, false, 1, "log x") == "0 Tools service unavailable");
}
