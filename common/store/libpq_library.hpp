#pragma once
// libpq, loaded when a PostgreSQL store is first opened (dlopen of libpq.so.5) rather than linked.
// libpq depends on libssl for its own connections to the server, and the product never links
// libssl (its TLS is its own, on libcrypto; tests/integration/no_libssl.sh checks the daemons with
// readelf and ldd): a daemon on the default SQLite store never loads either, and one on
// PostgreSQL gets libssl only inside libpq, for libpq's connection.
#include <libpq-fe.h>

namespace sc::store {

// The libpq functions the PostgreSQL backend calls, resolved once.
struct LibpqFunctions {
  decltype(&PQconnectdbParams) connectdb_params;
  decltype(&PQstatus) status;
  decltype(&PQerrorMessage) error_message;
  decltype(&PQfinish) finish;
  decltype(&PQsetNoticeProcessor) set_notice_processor;
  decltype(&PQexec) exec;
  decltype(&PQprepare) prepare;
  decltype(&PQexecPrepared) exec_prepared;
  decltype(&PQresultStatus) result_status;
  decltype(&PQresultErrorField) result_error_field;
  decltype(&PQresultErrorMessage) result_error_message;
  decltype(&PQclear) clear;
  decltype(&PQntuples) ntuples;
  decltype(&PQnfields) nfields;
  decltype(&PQgetisnull) getisnull;
  decltype(&PQgetvalue) getvalue;
  decltype(&PQgetlength) getlength;
  decltype(&PQcmdTuples) cmd_tuples;
  decltype(&PQcmdStatus) cmd_status;
  decltype(&PQconninfoParse) conninfo_parse;
  decltype(&PQconninfoFree) conninfo_free;
  decltype(&PQfreemem) freemem;
  decltype(&PQsocket) socket;
  decltype(&PQconsumeInput) consume_input;
  decltype(&PQnotifies) notifies;
};

// Loads libpq.so.5 on first use (thread-safe). Throws StoreError(unavailable) with a sentence
// naming the Debian package when it is missing or lacks a function.
const LibpqFunctions& libpq();

}  // namespace sc::store
