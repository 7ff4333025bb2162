#include "supervisor/request_state_seal.hpp"

#include <gcrypt.h>
#include <sys/random.h>

#include <stdexcept>

#include "common/constant_time.hpp"

namespace mcp::supervisor {

namespace {

constexpr std::string_view prefix = "mcpx1.";
constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(std::string_view in) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(buffer >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(alphabet[(buffer << (6 - bits)) & 0x3f]);
  return out;
}

std::optional<std::string> unbase64url(std::string_view in) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    int d = -1;
    if (c >= 'A' && c <= 'Z') d = c - 'A';
    if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
    if (c >= '0' && c <= '9') d = c - '0' + 52;
    if (c == '-') d = 62;
    if (c == '_') d = 63;
    if (d < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

// libgcrypt rather than OpenSSL: libsystemd already maps it into this process, while OpenSSL's
// libcrypto would add about 1.5 MiB of resident pages for one HMAC. Initialised as systemd's
// own code does it (src/shared/gcrypt-util.c), so whichever of us comes first does it once.
void initialize_libgcrypt() {
  if (gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) return;
  if (gcry_check_version("1.8.0") == nullptr)
    throw std::runtime_error("libgcrypt is older than 1.8.0");
  gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
  gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
}

}  // namespace

RequestStateSeal::RequestStateSeal() {
  initialize_libgcrypt();
  std::size_t got = 0;
  while (got < key_.size()) {
    const ssize_t n = ::getrandom(key_.data() + got, key_.size() - got, 0);
    if (n <= 0) throw std::runtime_error("getrandom failed: no key for requestState");
    got += static_cast<std::size_t>(n);
  }
  if (mac("start-up check").size() != 32) throw std::runtime_error("libgcrypt: no HMAC-SHA256");
}

std::string RequestStateSeal::mac(std::string_view payload) const {
  gcry_mac_hd_t handle = nullptr;
  char out[32];
  std::size_t len = sizeof out;
  // Empty on failure, which no tag matches; the constructor checked that this works.
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
  auto payload = unbase64url(state.substr(0, dot));
  auto tag = unbase64url(state.substr(dot + 1));
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
