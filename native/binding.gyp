{
  "targets": [
    {
      "target_name": "vireo_native",
      "sources": [
        "src/core/board.cc",
        "src/core/boot_linux.cc",
        "src/core/bus.cc",
        "src/core/cpuid.cc",
        "src/core/e820.cc",
        "src/core/firmware_config.cc",
        "src/core/guest_memory.cc",
        "src/core/kvm.cc",
        "src/core/machine.cc",
        "src/core/mptable.cc",
        "src/core/rpc_relay.cc",
        "src/core/serial_host.cc",
        "src/core/vcpu.cc",
        "src/devices/backdoor.cc",
        "src/devices/backdoor_clipboard.cc",
        "src/devices/backdoor_hb.cc",
        "src/devices/backdoor_mouse.cc",
        "src/devices/backdoor_stats.cc",
        "src/devices/cmos_rtc.cc",
        "src/devices/debug_ports.cc",
        "src/devices/fw_cfg.cc",
        "src/devices/guest_rpc.cc",
        "src/devices/i8042.cc",
        "src/devices/system_control_port.cc",
        "src/devices/uart16550.cc",
        "src/addon/addon.cc",
        "src/addon/host_info.cc",
        "src/addon/vm_wrap.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS", "NODE_API_NO_EXTERNAL_BUFFERS_ALLOWED"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-missing-field-initializers", "-O2", "-fno-strict-aliasing"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"]
    }
  ]
}
