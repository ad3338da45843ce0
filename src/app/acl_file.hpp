// Loads the relay ACL file (--acl-file): relay::Acl text format; errors name the file and line.
#pragma once
#include <filesystem>

#include "relay/acl.hpp"

namespace chiral::app {

// Throws StartupError ("acl file X: line N: ...") when unreadable or invalid.
relay::Acl load_acl_file(const std::filesystem::path& path);

}  // namespace chiral::app
