#include "app/acl_file.hpp"

#include <fstream>
#include <sstream>

#include "app/identity_file.hpp"

namespace chiral::app {

relay::Acl load_acl_file(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw StartupError("cannot read acl file " + path.string());
  std::ostringstream text;
  text << f.rdbuf();
  std::string why;
  auto acl = relay::Acl::parse(text.str(), &why);
  if (!acl) throw StartupError("acl file " + path.string() + ": " + (why.empty() ? acl.error().message() : why));
  return std::move(*acl);
}

}  // namespace chiral::app
