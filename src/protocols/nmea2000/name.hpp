// SPDX-License-Identifier: MIT
#pragma once
/// The 64-bit ISO NAME of PGN 60928 (nmea2000.md §3), packed with explicit shifts. Lower NAME wins
/// address contention, comparing the 64-bit value as an unsigned integer.

#include <cstdint>

namespace gxlink::nmea2000 {

inline constexpr std::uint16_t kVictronManufacturer = 358;  // seed 000 Q22
inline constexpr std::uint8_t kMarineIndustry = 4;

struct IsoName {
  std::uint32_t unique_number = 0;  ///< 21 bits
  std::uint16_t manufacturer = 0;   ///< 11 bits
  std::uint8_t instance_lower = 0;  ///< 3 bits (ECU instance)
  std::uint8_t instance_upper = 0;  ///< 5 bits (function instance)
  std::uint8_t function = 0;
  std::uint8_t device_class = 0;            ///< 7 bits
  std::uint8_t system_instance = 0;         ///< 4 bits
  std::uint8_t industry = kMarineIndustry;  ///< 3 bits
  bool arbitrary_address_capable = true;

  /// NMEA 2000 "device instance" = upper << 3 | lower.
  constexpr std::uint8_t device_instance() const noexcept {
    return static_cast<std::uint8_t>((instance_upper << 3) | (instance_lower & 7));
  }
  constexpr void set_device_instance(std::uint8_t di) noexcept {
    instance_lower = di & 7;
    instance_upper = static_cast<std::uint8_t>(di >> 3);
  }

  constexpr std::uint64_t to_u64() const noexcept {
    return (std::uint64_t{unique_number} & 0x1FFFFF) |
           ((std::uint64_t{manufacturer} & 0x7FF) << 21) |
           ((std::uint64_t{instance_lower} & 7) << 32) |
           ((std::uint64_t{instance_upper} & 0x1F) << 35) | (std::uint64_t{function} << 40) |
           ((std::uint64_t{device_class} & 0x7F) << 49) |
           ((std::uint64_t{system_instance} & 0xF) << 56) | ((std::uint64_t{industry} & 7) << 60) |
           (std::uint64_t{arbitrary_address_capable ? 1u : 0u} << 63);
  }
  static constexpr IsoName from_u64(std::uint64_t v) noexcept {
    IsoName n;
    n.unique_number = static_cast<std::uint32_t>(v & 0x1FFFFF);
    n.manufacturer = static_cast<std::uint16_t>((v >> 21) & 0x7FF);
    n.instance_lower = static_cast<std::uint8_t>((v >> 32) & 7);
    n.instance_upper = static_cast<std::uint8_t>((v >> 35) & 0x1F);
    n.function = static_cast<std::uint8_t>((v >> 40) & 0xFF);
    n.device_class = static_cast<std::uint8_t>((v >> 49) & 0x7F);
    n.system_instance = static_cast<std::uint8_t>((v >> 56) & 0xF);
    n.industry = static_cast<std::uint8_t>((v >> 60) & 7);
    n.arbitrary_address_capable = ((v >> 63) & 1) != 0;
    return n;
  }
  friend constexpr bool operator==(const IsoName& a, const IsoName& b) noexcept {
    return a.to_u64() == b.to_u64();
  }
};

}  // namespace gxlink::nmea2000
