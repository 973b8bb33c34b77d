// The device-facing methods of Vm: the VMware backdoor (GuestRPC relay, host state,
// clipboard, statistics), keyboard and pointer input, the display (frames into JS-owned
// buffers) and disks served by the VM host.
#include "addon/errors.h"
#include "addon/js_env.h"
#include "addon/vm_wrap.h"

namespace vireo {

// onGuestRpc(cb): cb({id, channel, tclo, session, bytes: Buffer}) returns the reply
// (string) for a message, or nothing for a close notice (id 0). Called once per complete
// GuestRPC message while the sending vCPU waits (bounded) for the answer.
Napi::Value VmWrap::OnGuestRpc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!machine_ || info.Length() < 1 || !info[0].IsFunction()) {
    Napi::TypeError::New(env, "onGuestRpc(callback) needs a function").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (rpc_live_) rpc_.Release();
  rpc_ = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "vireo-guest-rpc", 64, 1);
  rpc_.Unref(env);
  rpc_live_ = true;
  Napi::ThreadSafeFunction tsfn = rpc_;
  Machine* machine = machine_.get();
  std::shared_ptr<bool> alive = alive_;
  machine->set_guest_rpc_notify([tsfn, machine, alive](RpcMessage m) mutable {
    auto* copy = new RpcMessage(std::move(m));
    napi_status st = tsfn.NonBlockingCall(copy, [machine, alive](Napi::Env env, Napi::Function cb, RpcMessage* msg) {
      // Teardown, or a message queued before close() freed `machine` (it must not be
      // answered: that was a use-after-free); the vCPU's bounded wait answers.
      if (env == nullptr || cb.IsEmpty() || !*alive || !can_call_js(env)) {
        delete msg;
        return;
      }
      Napi::Object o = Napi::Object::New(env);
      o.Set("id", static_cast<double>(msg->id));
      o.Set("channel", msg->channel);
      o.Set("tclo", msg->tclo);
      o.Set("session", static_cast<double>(msg->session));
      o.Set("bytes", Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(msg->bytes.data()), msg->bytes.size()));
      uint64_t id = msg->id;
      delete msg;
      Napi::Value r = cb.Call({o});
      if (env.IsExceptionPending()) env.GetAndClearPendingException();
      // The callback itself may have closed the VM (freeing `machine`): check again.
      if (id == 0 || !*alive) return;
      std::string reply;
      if (r.IsString()) reply = r.As<Napi::String>().Utf8Value();
      else if (r.IsBuffer()) reply.assign(r.As<Napi::Buffer<char>>().Data(), r.As<Napi::Buffer<char>>().Length());
      machine->reply_guest_rpc(id, std::move(reply));
    });
    if (st != napi_ok) delete copy;  // the vCPU's bounded wait answers with a failure
  });
  return env.Undefined();
}

// setBackdoorState({guiOptions, screenWidth, screenHeight, mouseAbsolute, pointerGrabbed, pointerX, pointerY})
Napi::Value VmWrap::SetBackdoorState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!machine_ || info.Length() < 1 || !info[0].IsObject()) return env.Undefined();
  Napi::Object o = info[0].As<Napi::Object>();
  Machine& m = *machine_;
  if (o.Has("screenWidth") && o.Has("screenHeight"))
    m.set_host_screen_size(o.Get("screenWidth").ToNumber().Uint32Value(), o.Get("screenHeight").ToNumber().Uint32Value());
  if (o.Has("mouseAbsolute")) m.offer_absolute_pointer(o.Get("mouseAbsolute").ToBoolean());
  if (o.Has("guiOptions")) m.set_gui_options(o.Get("guiOptions").ToNumber().Uint32Value());
  if (o.Has("pointerGrabbed"))
    m.set_host_pointer(o.Get("pointerGrabbed").ToBoolean(), static_cast<int16_t>(o.Get("pointerX").ToNumber().Int32Value()),
                       static_cast<int16_t>(o.Get("pointerY").ToNumber().Int32Value()));
  return env.Undefined();
}

// mirrorGuestInfo(key, value): the tools service's guestinfo value, answered natively.
Napi::Value VmWrap::MirrorGuestInfo(const Napi::CallbackInfo& info) {
  if (machine_ && info.Length() > 1 && info[0].IsString() && info[1].IsString())
    machine_->mirror_guest_info(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value());
  return info.Env().Undefined();
}

Napi::Value VmWrap::SetHostClipboard(const Napi::CallbackInfo& info) {
  if (machine_ && info.Length() > 0 && info[0].IsString())
    machine_->set_host_clipboard(info[0].As<Napi::String>().Utf8Value());
  return info.Env().Undefined();
}

Napi::Value VmWrap::SetClipboardPolicy(const Napi::CallbackInfo& info) {
  if (machine_ && info.Length() > 1)
    machine_->set_clipboard_policy(info[0].ToBoolean(), info[1].ToBoolean());
  return info.Env().Undefined();
}

Napi::Value VmWrap::BackdoorStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  if (!machine_) return o;
  for (const BackdoorCounter& c : machine_->backdoor_counters())
    if (c.count) o.Set(c.name, static_cast<double>(c.count));
  return o;
}

// keyEvent(set2Code, pressed): a PS/2 key (set 2, 0xE0 prefix in the high byte).
Napi::Value VmWrap::KeyEvent(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!machine_ || info.Length() < 2) return Napi::Boolean::New(env, false);
  bool ok = machine_->key_event(static_cast<uint16_t>(info[0].ToNumber().Uint32Value()), info[1].ToBoolean());
  return Napi::Boolean::New(env, ok);
}

// pointerEvent({absolute, x, y, dx, dy, buttons}): vmmouse when the guest enabled absolute
// mode (the PS/2 interrupt tells its driver to read), a PS/2 packet otherwise.
Napi::Value VmWrap::PointerEvent(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!machine_ || info.Length() < 1 || !info[0].IsObject()) return Napi::Boolean::New(env, false);
  Napi::Object o = info[0].As<Napi::Object>();
  Machine::PointerEvent e;
  e.buttons = o.Get("buttons").ToNumber().Uint32Value();
  e.has_position = o.Has("x");
  if (e.has_position) {
    e.x = static_cast<uint16_t>(o.Get("x").ToNumber().Uint32Value());
    e.y = static_cast<uint16_t>(o.Get("y").ToNumber().Uint32Value());
  }
  e.dx = o.Get("dx").ToNumber().Int32Value();
  e.dy = o.Get("dy").ToNumber().Int32Value();
  return Napi::Boolean::New(env, machine_->pointer_event(e));
}

namespace {
const char* source_name(DisplaySource s) {
  switch (s) {
    case DisplaySource::kText: return "text";
    case DisplaySource::kVga256: return "vga";
    case DisplaySource::kVbe: return "vbe";
    case DisplaySource::kSvga: return "svga";
    case DisplaySource::kBoot: return "boot";
    case DisplaySource::kBlank: break;
  }
  return "none";
}

Napi::Object mode_to_js(Napi::Env env, const vireo::DisplayMode& m) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("width", m.width);
  o.Set("height", m.height);
  o.Set("source", source_name(m.source));
  return o;
}
}  // namespace

Napi::Value VmWrap::DisplayMode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!machine_) return env.Null();
  return mode_to_js(env, machine_->display_mode());
}

// takeFrame(full): the rectangles changed since the last call with their RGBA pixels,
// copied into one JS-owned Buffer (no external buffers: Electron's V8 memory cage), or
// null when nothing changed. {mode, rects: [{x, y, width, height, offset}], pixels}.
Napi::Value VmWrap::TakeFrame(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!machine_) return env.Null();
  bool full = info.Length() > 0 && info[0].ToBoolean();
  vireo::DisplayMode used;
  std::vector<DisplayRect> rects;
  std::vector<uint8_t> pixels;
  if (!machine_->take_frame(full, &used, &rects, &pixels)) return env.Null();
  Napi::Object o = Napi::Object::New(env);
  o.Set("mode", mode_to_js(env, used));
  Napi::Array list = Napi::Array::New(env, rects.size());
  uint64_t offset = 0;
  for (size_t i = 0; i < rects.size(); ++i) {
    Napi::Object r = Napi::Object::New(env);
    r.Set("x", rects[i].x);
    r.Set("y", rects[i].y);
    r.Set("width", rects[i].w);
    r.Set("height", rects[i].h);
    r.Set("offset", static_cast<double>(offset));
    offset += static_cast<uint64_t>(rects[i].w) * rects[i].h * 4;
    list.Set(i, r);
  }
  o.Set("rects", list);
  o.Set("pixels", Napi::Buffer<uint8_t>::Copy(env, pixels.data(), pixels.size()));
  return o;
}

// writeVram(offset, bytes): the host changes VRAM (display benchmark); marks it dirty.
Napi::Value VmWrap::WriteVram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!machine_ || info.Length() < 2 || !info[1].IsTypedArray()) return Napi::Boolean::New(env, false);
  Napi::Uint8Array bytes = info[1].As<Napi::Uint8Array>();
  bool ok = machine_->write_vram(
      static_cast<uint64_t>(info[0].ToNumber().DoubleValue()), bytes.Data(), bytes.ByteLength());
  return Napi::Boolean::New(env, ok);
}

// onDiskRequest(cb): cb({disk, id, op: 'read'|'write'|'flush', offset, length, data?})
// for every disk request of a vCPU; answer with completeDisk(disk, id, ok, bytes?).
Napi::Value VmWrap::OnDiskRequest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!machine_ || info.Length() < 1 || !info[0].IsFunction()) {
    Napi::TypeError::New(env, "onDiskRequest(callback) needs a function").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (disk_live_) disk_.Release();
  disk_ = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "vireo-disk", 256, 1);
  disk_.Unref(env);
  disk_live_ = true;
  Napi::ThreadSafeFunction tsfn = disk_;
  std::shared_ptr<bool> alive = alive_;
  for (unsigned i = 0; BlockRelay* relay = machine_->disk(i); ++i) {
    relay->set_notify([tsfn, alive](BlockRequest r) mutable {
      auto* copy = new BlockRequest(std::move(r));
      napi_status st = tsfn.BlockingCall(copy, [alive](Napi::Env env, Napi::Function cb, BlockRequest* req) {
        // Teardown, or a request queued before close(): the vCPU's wait is cancelled.
        if (env == nullptr || cb.IsEmpty() || !*alive || !can_call_js(env)) {
          delete req;
          return;
        }
        Napi::Object o = Napi::Object::New(env);
        o.Set("disk", req->disk);
        o.Set("id", static_cast<double>(req->id));
        o.Set("op", req->op == BlockRequest::Op::kRead ? "read" : req->op == BlockRequest::Op::kWrite ? "write" : "flush");
        o.Set("offset", static_cast<double>(req->offset));
        o.Set("length", static_cast<double>(req->length));
        if (req->op == BlockRequest::Op::kWrite)
          o.Set("data", Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(req->data.data()), req->data.size()));
        delete req;
        cb.Call({o});
        if (env.IsExceptionPending()) env.GetAndClearPendingException();
      });
      if (st != napi_ok) delete copy;
    });
  }
  return env.Undefined();
}

Napi::Value VmWrap::CompleteDisk(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!machine_ || info.Length() < 3) return env.Undefined();
  BlockRelay* relay = machine_->disk(info[0].ToNumber().Uint32Value());
  if (!relay) return env.Undefined();
  std::string data;
  if (info.Length() > 3 && info[3].IsTypedArray()) {
    Napi::Uint8Array bytes = info[3].As<Napi::Uint8Array>();
    data.assign(reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength());
  }
  relay->complete(static_cast<uint64_t>(info[1].ToNumber().DoubleValue()), info[2].ToBoolean(), std::move(data));
  return env.Undefined();
}

}  // namespace vireo
