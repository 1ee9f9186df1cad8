#pragma once
// `clone`/`init --compress zstd|zstd:LEVEL|none`: one help text and one check for both subcommands.

#include <string>

#include <CLI/CLI.hpp>

#include "mysql_agent/core/stream_encoding.hpp"

namespace mysql_agent::cmd {

/// Adds --compress to `sub`, stored in `value` (default "zstd").
void add_compress_flag(CLI::App& sub, std::string& value);

/// The choice `value` names. Throws config_error (exit 3) with the accepted forms otherwise.
protocol::compression_choice compress_flag(const std::string& value);

}  // namespace mysql_agent::cmd
