#include "common/pki/issuance_profile.hpp"

namespace sc::pki {

const char* role_name(Role role) {
  switch (role) {
    case Role::Bank:
      return "bank";
    case Role::Customer:
      return "customer";
    case Role::TtpService:
      return "ttp-service";
  }
  return "unknown";
}

std::optional<Role> role_from_name(std::string_view name) {
  for (const Role role : {Role::Bank, Role::Customer, Role::TtpService}) {
    if (name == role_name(role)) return role;
  }
  return std::nullopt;
}

std::vector<ExtendedKeyUsage> extended_key_usages_for(Role role) {
  switch (role) {
    case Role::Bank:
      return {ExtendedKeyUsage::ServerAuth, ExtendedKeyUsage::ClientAuth};
    case Role::Customer:
      return {ExtendedKeyUsage::ClientAuth};
    case Role::TtpService:
      return {ExtendedKeyUsage::ServerAuth};
  }
  return {};
}

}  // namespace sc::pki
