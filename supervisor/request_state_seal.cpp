#include "supervisor/request_state_seal.hpp"

#include <gcrypt.h>
#include <sys/random.h>

#include <stdexcept>

#include "common/constant_time.hpp"
#include "protocol/base64.hpp"

namespace mcp::supervisor {

namespace {

constexpr std::string_view prefix = "mcpx1.";

std::string base64url(std::string_view bytes) {
  return base64::encode(bytes, base64::Form::url);
}

// libgcrypt rather than OpenSSL: libsystemd already maps it into this process, while OpenSSL's
// libcrypto would add about 1.5 MiB of resident pages for one HMAC. Initialised as systemd's
// own code does it (src/shared/gcrypt-util.c), so whichever of us comes first does it once;
// and only when a state is first sealed or opened: its initialisation touches ~600 KiB of the
// library's pages, which a gateway whose clients never need the MRTR bridge does not pay.
// libgcrypt 1.8 (the oldest we build against: meson.build) has HMAC-SHA256.
void initialize_libgcrypt() {
  if (gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) return;
  gcry_check_version(nullptr);
  gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
  gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
}

}  // namespace

RequestStateSeal::RequestStateSeal() {
  std::size_t got = 0;
  while (got < key_.size()) {
    const ssize_t n = ::getrandom(key_.data() + got, key_.size() - got, 0);
    if (n <= 0) throw std::runtime_error("getrandom failed: no key for requestState");
    got += static_cast<std::size_t>(n);
  }
}

std::string RequestStateSeal::mac(std::string_view payload) const {
  initialize_libgcrypt();
  gcry_mac_hd_t handle = nullptr;
  char out[32];
  std::size_t len = sizeof out;
  // Empty on failure, which no tag matches (and a state sealed with it opens nowhere).
  if (gcry_mac_open(&handle, GCRY_MAC_HMAC_SHA256, 0, nullptr) != 0) return {};
  const bool ok = gcry_mac_setkey(handle, key_.data(), key_.size()) == 0 &&
                  gcry_mac_write(handle, payload.data(), payload.size()) == 0 &&
                  gcry_mac_read(handle, out, &len) == 0;
  gcry_mac_close(handle);
  return ok ? std::string(out, len) : std::string();
}

std::string RequestStateSeal::seal(std::string_view payload) const {
  return std::string(prefix) + base64url(payload) + "." + base64url(mac(payload));
}

bool RequestStateSeal::is_ours(std::string_view state) {
  return state.substr(0, prefix.size()) == prefix;
}

std::optional<std::string> RequestStateSeal::open(std::string_view state) const {
  if (!is_ours(state)) return std::nullopt;
  state.remove_prefix(prefix.size());
  const auto dot = state.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto payload = base64::decode(state.substr(0, dot), base64::Form::url);
  auto tag = base64::decode(state.substr(dot + 1), base64::Form::url);
  if (!payload || !tag) return std::nullopt;
  // Only the canonical text of each part: the spare low bits of a last base64 digit would
  // otherwise let several texts open to the same state.
  if (base64url(*payload) != state.substr(0, dot) || base64url(*tag) != state.substr(dot + 1)) {
    return std::nullopt;
  }
  const std::string expected = mac(*payload);
  if (expected.empty() || !equal_in_constant_time(expected, *tag)) return std::nullopt;
  return payload;
}

}  // namespace mcp::supervisor
