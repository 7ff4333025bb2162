// requestState for the MRTR bridge (specification 2026-07-28, basic/patterns/mrtr): when a
// legacy backend asks a modern client for input, the gateway parks the backend's call and hands
// the client a requestState naming it. The client must echo it untouched, and the
// specification makes it attacker-controlled input, so it is sealed with HMAC-SHA256 under a
// key drawn at start-up: a tampered or forged state is rejected, and a state outlives neither
// its expiry nor the process that issued it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mcp::supervisor {

class RequestStateSeal {
 public:
  // A fresh random key (getrandom); throws if the kernel gives none or HMAC does not work.
  RequestStateSeal();
  explicit RequestStateSeal(const std::array<unsigned char, 32>& key) : key_(key) {}

  // "mcpx1." + base64url(payload) + "." + base64url(HMAC-SHA256(key, payload)).
  std::string seal(std::string_view payload) const;
  // The payload of a state this seal issued; nullopt when the MAC does not verify or the
  // text is not ours.
  std::optional<std::string> open(std::string_view state) const;
  // True when state has our prefix (it was meant for us, not for a modern backend).
  static bool is_ours(std::string_view state);

 private:
  std::string mac(std::string_view payload) const;
  std::array<unsigned char, 32> key_{};
};

}  // namespace mcp::supervisor
