#pragma once
// Who a certificate is for. The role travels inside every certificate the TTP issues as a
// certificatePolicies extension (RFC 5280 section 4.2.1.4) holding one policy OID per role,
// so that a peer checks the role it expects, not only the chain and the name.
#include <optional>
#include <string_view>

namespace sc::pki {

// Bank: serverAuth + clientAuth (it serves customers and is a client of the TTP).
// Customer: clientAuth. TtpService: serverAuth (the TTP's own endpoint).
enum class Role { Bank, Customer, TtpService };

const char* role_name(Role role);  // "bank", "customer", "ttp-service"
std::optional<Role> role_from_name(std::string_view name);

// The project's OID arc: 2.25 followed by the UUID 35ed61a5-69bc-4f65-acf4-cd8ee9b64f14 as a
// decimal integer (ITU-T X.667 / RFC 4122 section 4 OIDs need no registration).
inline constexpr const char* kProjectOidArc = "2.25.71681638631175243505375220373124435732";

// The role's certificate policy OID, in dotted form: <arc>.1.1 bank, <arc>.1.2 customer,
// <arc>.1.3 ttp-service.
const char* role_policy_oid(Role role);
// The role whose policy OID this is (dotted form), nullopt for any other OID.
std::optional<Role> role_from_policy_oid(std::string_view oid);

}  // namespace sc::pki
