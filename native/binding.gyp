# The VMM in four layers, each its own target, each depending only on the one below:
#   core (KVM, vCPUs, buses, guest memory) <- devices <- machine (board, relays, boot) <- addon
# Headers are included by layer-rooted paths ("core/bus.h", "devices/legacy/uart16550.h").
# A target sees only its own and lower layers' headers: include/<layer>/ holds one
# symlink, <layer> -> ../../src/<layer>, so a core source that includes "devices/..." or
# "machine/..." does not compile. native/test/check_layers.sh rejects the "../" includes
# that would get around this (run by the native test Makefile and npm run lint).
{
  "target_defaults": {
    "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Werror", "-Wno-missing-field-initializers", "-O2", "-fno-strict-aliasing"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"]
  },
  "targets": [
    {
      "target_name": "vireo_core",
      "type": "static_library",
      "include_dirs": ["include/core"],
      "direct_dependent_settings": {"include_dirs": ["include/core"]},
      "sources": [
        "src/core/bus.cc",
        "src/core/cpuid.cc",
        "src/core/guest_memory.cc",
        "src/core/kvm.cc",
        "src/core/vcpu.cc"
      ]
    },
    {
      "target_name": "vireo_devices",
      "type": "static_library",
      "dependencies": ["vireo_core"],
      "export_dependent_settings": ["vireo_core"],
      "include_dirs": ["include/devices"],
      "direct_dependent_settings": {"include_dirs": ["include/devices"]},
      "sources": [
        "src/devices/display/svga_adapter.cc",
        "src/devices/display/svga_damage.cc",
        "src/devices/display/svga_device.cc",
        "src/devices/display/svga_display.cc",
        "src/devices/display/svga_fifo.cc",
        "src/devices/display/vbe.cc",
        "src/devices/display/vga.cc",
        "src/devices/display/vga_font.cc",
        "src/devices/display/vga_render.cc",
        "src/devices/legacy/cmos_rtc.cc",
        "src/devices/legacy/debug_ports.cc",
        "src/devices/legacy/fw_cfg.cc",
        "src/devices/legacy/i8042.cc",
        "src/devices/legacy/system_control_port.cc",
        "src/devices/legacy/uart16550.cc",
        "src/devices/net/e1000.cc",
        "src/devices/net/e1000_eeprom.cc",
        "src/devices/net/e1000_filter.cc",
        "src/devices/net/e1000_interrupts.cc",
        "src/devices/net/e1000_phy.cc",
        "src/devices/net/e1000_rx.cc",
        "src/devices/net/e1000_stats.cc",
        "src/devices/net/e1000_tx.cc",
        "src/devices/net/frame_stream.cc",
        "src/devices/net/inet_checksum.cc",
        "src/devices/net/tcp_segment.cc",
        "src/devices/net/vmxnet3.cc",
        "src/devices/net/vmxnet3_queues.cc",
        "src/devices/pci/pci_device.cc",
        "src/devices/pci/pci_host.cc",
        "src/devices/storage/ahci_commands.cc",
        "src/devices/storage/ahci_hba.cc",
        "src/devices/storage/ahci_port.cc",
        "src/devices/storage/ata_commands.cc",
        "src/devices/storage/ata_identify.cc",
        "src/devices/storage/atapi.cc",
        "src/devices/storage/block_backend.cc",
        "src/devices/storage/guest_sg.cc",
        "src/devices/storage/ide_channel.cc",
        "src/devices/storage/ide_controller.cc",
        "src/devices/storage/nvme_commands.cc",
        "src/devices/storage/nvme_controller.cc",
        "src/devices/storage/nvme_prp.cc",
        "src/devices/virtio/virtio_blk.cc",
        "src/devices/virtio/virtio_pci.cc",
        "src/devices/virtio/virtio_queue.cc",
        "src/devices/vmware/backdoor.cc",
        "src/devices/vmware/backdoor_clipboard.cc",
        "src/devices/vmware/backdoor_host.cc",
        "src/devices/vmware/backdoor_mouse.cc",
        "src/devices/vmware/backdoor_rpc.cc",
        "src/devices/vmware/backdoor_stats.cc",
        "src/devices/vmware/backdoor_time.cc",
        "src/devices/vmware/guest_rpc.cc"
      ]
    },
    {
      "target_name": "vireo_machine",
      "type": "static_library",
      "dependencies": ["vireo_devices"],
      "export_dependent_settings": ["vireo_devices"],
      "include_dirs": ["include/machine"],
      "direct_dependent_settings": {"include_dirs": ["include/machine"]},
      "sources": [
        "src/machine/block_relay.cc",
        "src/machine/board.cc",
        "src/machine/boot_linux.cc",
        "src/machine/e820.cc",
        "src/machine/firmware_config.cc",
        "src/machine/machine.cc",
        "src/machine/machine_create.cc",
        "src/machine/machine_host.cc",
        "src/machine/machine_slots.cc",
        "src/machine/machine_stats.cc",
        "src/machine/mptable.cc",
        "src/machine/rpc_relay.cc",
        "src/machine/serial_host.cc"
      ]
    },
    {
      "target_name": "vireo_native",
      "dependencies": ["vireo_machine"],
      "include_dirs": ["include/addon", "<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS", "NODE_API_NO_EXTERNAL_BUFFERS_ALLOWED"],
      "sources": [
        "src/addon/addon.cc",
        "src/addon/host_info.cc",
        "src/addon/vm_wrap.cc",
        "src/addon/vm_wrap_devices.cc",
        "src/addon/vm_wrap_net.cc"
      ]
    }
  ]
}
