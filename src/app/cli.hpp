// Command-line parsing for chiral-relay (CLI11). Exit code 2 with one line naming the flag on bad values.
#pragma once
#include <optional>

#include "app/config.hpp"

namespace chiral::app {

struct ParsedCli {
  Config config;
  std::optional<int> exit_code;  // set when parsing ended the program (--help, --version, bad value)
};

ParsedCli parse_cli(int argc, char** argv);

}  // namespace chiral::app
