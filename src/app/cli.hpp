// Command-line parsing for chiral-relay (CLI11). Exit code 2 with one line naming the flag on bad values.
#pragma once
#include <optional>
#include <string>

#include "app/config.hpp"

namespace chiral::app {

struct ParsedCli {
  Config config;
  std::optional<int> exit_code;  // set when parsing ended the program (--help, --version, bad value)
  std::string error;             // the one-line message for a bad value (exit code 2)
};

// Parses argv and the --config file (TOML/INI, long option names without dashes). A bad value prints one
// line naming the flag to stderr (unless `quiet`) and sets exit code 2.
ParsedCli parse_cli(int argc, char** argv, bool quiet = false);

}  // namespace chiral::app
