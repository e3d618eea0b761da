#include "common/store/libpq_library.hpp"

#include <dlfcn.h>

#include <string>

#include "common/store/database.hpp"

namespace sc::store {
namespace {

constexpr const char* kLibrary = "libpq.so.5";

[[noreturn]] void missing(const std::string& what) {
  throw StoreError(StoreErrorKind::unavailable,
                   "PostgreSQL stores need libpq (Debian package libpq5): " + what);
}

template <typename Function>
void resolve(void* library, const char* name, Function& slot) {
  void* symbol = dlsym(library, name);
  if (symbol == nullptr) missing(std::string(kLibrary) + " has no " + name);
  slot = reinterpret_cast<Function>(symbol);
}

LibpqFunctions load() {
  // Never closed: the functions stay valid for the life of the process.
  void* library = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* error = dlerror();
    missing(error != nullptr ? error : std::string("cannot load ") + kLibrary);
  }
  LibpqFunctions f{};
  resolve(library, "PQconnectdbParams", f.connectdb_params);
  resolve(library, "PQstatus", f.status);
  resolve(library, "PQerrorMessage", f.error_message);
  resolve(library, "PQfinish", f.finish);
  resolve(library, "PQsetNoticeProcessor", f.set_notice_processor);
  resolve(library, "PQexec", f.exec);
  resolve(library, "PQprepare", f.prepare);
  resolve(library, "PQexecPrepared", f.exec_prepared);
  resolve(library, "PQresultStatus", f.result_status);
  resolve(library, "PQresultErrorField", f.result_error_field);
  resolve(library, "PQresultErrorMessage", f.result_error_message);
  resolve(library, "PQclear", f.clear);
  resolve(library, "PQntuples", f.ntuples);
  resolve(library, "PQnfields", f.nfields);
  resolve(library, "PQgetisnull", f.getisnull);
  resolve(library, "PQgetvalue", f.getvalue);
  resolve(library, "PQgetlength", f.getlength);
  resolve(library, "PQcmdTuples", f.cmd_tuples);
  resolve(library, "PQcmdStatus", f.cmd_status);
  resolve(library, "PQconninfoParse", f.conninfo_parse);
  resolve(library, "PQconninfoFree", f.conninfo_free);
  resolve(library, "PQfreemem", f.freemem);
  resolve(library, "PQsocket", f.socket);
  resolve(library, "PQconsumeInput", f.consume_input);
  resolve(library, "PQnotifies", f.notifies);
  return f;
}

}  // namespace

const LibpqFunctions& libpq() {
  static const LibpqFunctions functions = load();  // a failed load throws and is retried next time
  return functions;
}

}  // namespace sc::store
