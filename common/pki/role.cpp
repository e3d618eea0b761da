#include "common/pki/role.hpp"

#include <array>

namespace sc::pki {

namespace {

constexpr std::array<Role, 3> kRoles = {Role::Bank, Role::Customer, Role::TtpService};

}  // namespace

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
  for (const Role role : kRoles) {
    if (name == role_name(role)) return role;
  }
  return std::nullopt;
}

const char* role_policy_oid(Role role) {
  // Spelled out in full so that the OIDs can be found with grep and compared with the
  // output of `openssl x509 -text`.
  switch (role) {
    case Role::Bank:
      return "2.25.71681638631175243505375220373124435732.1.1";
    case Role::Customer:
      return "2.25.71681638631175243505375220373124435732.1.2";
    case Role::TtpService:
      return "2.25.71681638631175243505375220373124435732.1.3";
  }
  return "";
}

std::optional<Role> role_from_policy_oid(std::string_view oid) {
  for (const Role role : kRoles) {
    if (oid == role_policy_oid(role)) return role;
  }
  return std::nullopt;
}

}  // namespace sc::pki
