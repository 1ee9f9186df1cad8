#pragma once
// What a backup stream turned out to be once it was received and checked: from a donor (stream_receiver.hpp) or
// from an object store (backup_store/backup_restore.hpp). I/O layer (a plain struct).

#include <cstdint>
#include <map>
#include <string>

namespace mysql_agent {

/// What the body turned out to be.
struct received_stream {
    std::uint64_t bytes = 0;
    std::string digest;
    double seconds = 0;                          ///< from the response's header to the body's last byte
    std::map<std::string, std::uint64_t> files;  ///< every completed file and its size, as the stream said
    double first_byte_seconds = 0;               ///< from the response's header to the body's first byte
    double drain_seconds = 0;                    ///< from the body's last byte to the extractor's exit
    std::uint64_t uncompressed_bytes = 0;        ///< the xbstream bytes (after decoding, when compressed)
    bool compressed = false;                     ///< the body was zstd (Content-Encoding)
    std::map<std::string, std::string> captured; ///< receive_settings::capture files that arrived whole
};

}  // namespace mysql_agent
