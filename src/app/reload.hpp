// SIGHUP: what a re-read of the command line and --config file changes. Relay limits, the ACL and token
// files, the shutdown grace and logging apply at once; listeners, identity, files and AutoNAT need a restart.
#pragma once
#include <string>
#include <vector>

#include "app/config.hpp"

namespace chiral::app {

struct ReloadPlan {
  std::vector<std::string> applied;         // "max-reservations 1 -> 2", one entry per changed setting
  std::vector<std::string> restart_needed;  // option names whose new value waits for a restart
};

ReloadPlan plan_reload(const Config& running, const Config& reread);

}  // namespace chiral::app
