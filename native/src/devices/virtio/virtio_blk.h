// VirtioBlk: the virtio block device model (virtio 1.0 section 5.2) behind VirtioPci.
// One request queue (queue 0, 256 entries). A request is a descriptor chain:
//   device-readable:  struct virtio_blk_req header {le32 type; le32 reserved; le64 sector}
//                     then, for OUT, the data
//   device-writable:  for IN / GET_ID the data, then the one-byte status
// (the split between descriptors is not assumed). Types IN 0, OUT 1, FLUSH 4, GET_ID 8;
// status OK 0, IOERR 1, UNSUPP 2. Data lengths must be multiples of 512 and lie inside
// the image, or the request fails with IOERR before the image is touched.
// Features offered: VERSION_1, SEG_MAX, BLK_SIZE, FLUSH, and RO for read-only images.
// Configuration (5.2.4): le64 capacity (512-byte sectors) at 0, le32 seg_max at 12,
// le32 blk_size at 20; other bytes read 0, writes are ignored.
// Wiring: VirtioBlk blk(backend, "serial"); VirtioPci pci("virtio-blk", res,
//   VirtioBlk::kDeviceType, VirtioBlk::kClassCode, irq, gsi, blk);
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "devices/storage/block_backend.h"
#include "devices/virtio/virtio_pci.h"

namespace vireo {

class VirtioBlk : public VirtioDeviceModel {
 public:
  static constexpr uint16_t kDeviceType = 2;
  static constexpr uint32_t kClassCode = 0x010000;  // mass storage, SCSI (as QEMU)
  static constexpr uint16_t kQueueSize = 256;
  static constexpr uint64_t kFeatureSegMax = 1ull << 2, kFeatureRo = 1ull << 5,
                            kFeatureBlkSize = 1ull << 6, kFeatureFlush = 1ull << 9;
  static constexpr uint32_t kTypeIn = 0, kTypeOut = 1, kTypeFlush = 4, kTypeGetId = 8;
  static constexpr uint8_t kStatusOk = 0, kStatusIoErr = 1, kStatusUnsupp = 2;

  // `serial`: GET_ID answer, at most 20 bytes used.
  VirtioBlk(BlockBackend& backend, std::string serial);

  uint64_t features() const override;
  unsigned num_queues() const override { return 1; }
  uint16_t queue_max_size() const override { return kQueueSize; }
  void config_read(uint64_t offset, uint8_t* data, unsigned size) override;
  void config_write(uint64_t, const uint8_t*, unsigned) override {}
  bool process(unsigned q, VirtQueue& queue, const GuestMemory& mem) override;

  uint64_t requests() const { return requests_; }
  uint64_t errors() const { return errors_; }

 private:
  // Serves one chain; returns the bytes written into its writable part.
  uint32_t serve(const VirtChain& chain, const GuestMemory& mem);
  uint8_t transfer(const VirtChain& chain, const GuestMemory& mem, bool in, uint64_t sector,
                   uint64_t bytes);

  BlockBackend& backend_;
  std::string serial_;
  std::vector<uint8_t> bounce_;
  uint64_t requests_ = 0, errors_ = 0;
};

}  // namespace vireo
