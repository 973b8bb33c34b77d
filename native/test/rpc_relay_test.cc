#include "machine/rpc_relay.h"

#include <chrono>
#include <thread>

#include "machine/block_relay.h"

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

TEST(rpc_relay_without_host_or_after_close_gives_a_defined_failure) {
  RpcRelay relay;
  CHECK(relay.on_message(1, false, 1, "info-get guestinfo.x") == "0 Tools service unavailable");
  CHECK(relay.on_message(1, true, 1, "").empty());
  relay.set_notify([&](RpcMessage) {
    std::thread([&relay] { relay.close(); }).detach();  // the host never answers
  });
  CHECK(relay.on_message(1, false, 1, "log x") == "0 Tools service unavailable");
}

namespace {
double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

// A vCPU that reaches a device after stop/reset closed the relays fails at once instead of
// starting a new bounded wait (stop() used to wait out the 30 s disk timeout), and the host
// is not even asked; reopen() (after a reset) serves calls again.
TEST(relay_calls_after_close_fail_at_once_until_reopen) {
  BlockRelay disk(0, 1 << 20, false);
  int asked = 0;
  disk.set_notify([&](BlockRequest) { ++asked; });  // the host never answers
  disk.close();
  uint8_t buf[512];
  auto t0 = std::chrono::steady_clock::now();
  CHECK(!disk.read(0, buf, sizeof buf).ok());
  CHECK(!disk.write(0, buf, sizeof buf).ok());
  CHECK(!disk.flush().ok());
  CHECK(ms_since(t0) < 50);
  CHECK_EQ(asked, 0);
  disk.reopen();
  disk.set_notify([&](BlockRequest r) {
    ++asked;
    std::thread([&disk, id = r.id] { disk.complete(id, true, std::string(512, 'v')); }).detach();
  });
  CHECK(disk.read(0, buf, sizeof buf).ok());
  CHECK_EQ(asked, 1);
  CHECK_EQ(buf[0], 'v');

  RpcRelay rpc;
  rpc.set_notify([&](RpcMessage) { ++asked; });
  rpc.close();
  t0 = std::chrono::steady_clock::now();
  CHECK(rpc.on_message(1, false, 1, "log x") == "0 Tools service unavailable");
  CHECK(ms_since(t0) < 50);
  CHECK_EQ(asked, 1);
}
