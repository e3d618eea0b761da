#include "common/pki/issuance_profile.hpp"

namespace sc::pki {

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
