#include "host_link.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace bdtrace {

namespace {
void put_u32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(char(v >> (8 * i)));
}
void put_u64(std::string& s, uint64_t v) {
  for (int i = 0; i < 8; ++i) s.push_back(char(v >> (8 * i)));
}
uint32_t get_u32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(s[at + i])) << (8 * i);
  return v;
}
uint64_t get_u64(const std::string& s, size_t at) {
  return uint64_t(get_u32(s, at)) | uint64_t(get_u32(s, at + 4)) << 32;
}
}  // namespace

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(char(c));
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(char(c));
    }
  }
  return out + "\"";
}

HostLink::HostLink(int fd, std::function<void()> on_lost) : fd_(fd), on_lost_(std::move(on_lost)) {}

HostLink::~HostLink() {
  ::shutdown(fd_, SHUT_RDWR);
  if (reader_.joinable()) reader_.join();
}

void HostLink::start(vireo::RpcRelay& relay, vireo::Backdoor& backdoor) {
  reader_ = std::thread([this, &relay, &backdoor] { read_loop(relay, backdoor); });
}

void HostLink::send_frame(char type, const std::string& payload) {
  std::string frame;
  put_u32(frame, uint32_t(payload.size() + 1));
  frame.push_back(type);
  frame += payload;
  std::lock_guard<std::mutex> guard(write_lock_);
  size_t done = 0;
  while (done < frame.size()) {
    ssize_t n = ::write(fd_, frame.data() + done, frame.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the reader notices the lost link
    done += size_t(n);
  }
}

void HostLink::send_message(const vireo::RpcMessage& m) {
  std::string p;
  put_u64(p, m.id);
  put_u32(p, m.channel);
  p.push_back(m.tclo ? 1 : 0);
  put_u32(p, m.session);
  p += m.bytes;
  send_frame('M', p);
}

void HostLink::send_event(const std::string& json) { send_frame('E', json); }

void HostLink::on_guest_clipboard(std::string text) {
  send_event("{\"kind\":\"guest-clipboard\",\"text\":" + json_string(text) + "}");
}

bool HostLink::read_exact(void* buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t got = ::read(fd_, static_cast<char*>(buf) + done, n - done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    done += size_t(got);
  }
  return true;
}

void HostLink::read_loop(vireo::RpcRelay& relay, vireo::Backdoor& backdoor) {
  while (true) {
    uint8_t head[4];
    if (!read_exact(head, 4)) break;
    const uint32_t len = uint32_t(head[0]) | uint32_t(head[1]) << 8 | uint32_t(head[2]) << 16 |
                         uint32_t(head[3]) << 24;
    if (len == 0 || len > kMaxFrame) break;
    std::string f(len, '\0');
    if (!read_exact(&f[0], len)) break;
    const char type = f[0];
    if (type == 'R' && len >= 9) {
      relay.reply(get_u64(f, 1), f.substr(9));
    } else if (type == 'G' && len >= 5 && get_u32(f, 1) <= len - 5) {
      const uint32_t klen = get_u32(f, 1);
      relay.mirror_guest_info(f.substr(5, klen), f.substr(5 + klen));
    } else if (type == 'S' && len == 15) {
      const uint8_t has = uint8_t(f[1]);
      if (has & 1) backdoor.host().set_screen_size(get_u32(f, 2), get_u32(f, 6));
      if (has & 2) backdoor.host().set_mouse_absolute(f[10] != 0);
      if (has & 4) backdoor.host().set_gui_options(get_u32(f, 11));
    } else if (type == 'C') {
      backdoor.clipboard().set_host_text(f.substr(1));
    } else if (type == 'P' && len == 3) {
      backdoor.clipboard().set_policy(f[1] != 0, f[2] != 0);
    } else {
      break;  // malformed: the host side is broken, stop serving it
    }
  }
  lost_.store(true);
  relay.close();  // a waiting call gets its failure answer now, later ones at once
  if (on_lost_) on_lost_();
}

}  // namespace bdtrace
