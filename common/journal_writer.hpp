// Writes one structured entry to the systemd journal over its native protocol
// (systemd.io/JOURNAL_NATIVE_PROTOCOL): a datagram of FIELD=value lines on
// /run/systemd/journal/socket, with the binary form for values that contain a newline.
//
// Why not sd_journal_sendv: linking libsystemd maps it and its dependencies (libgcrypt,
// liblzma, libzstd, liblz4, libcap) into every worker, about 1 MiB of resident memory each, and
// keeps workers from being linked statically; users run dozens of them. The protocol is stable
// and this is all of it that we need.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace mcp {

using JournalField = std::pair<std::string_view, std::string_view>;  // name (upper case), value

// False when the journal is not reachable (no systemd); the caller falls back to stderr.
bool write_journal_entry(const std::vector<JournalField>& fields);

}  // namespace mcp
