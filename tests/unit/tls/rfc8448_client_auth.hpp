#pragma once
// RFC 8448 section 6, "Client Authentication", transcribed from /work/shared/rfc/rfc8448.txt:
// the server (ECDSA P-256 certificate, ecdsa_secp256r1_sha256 CertificateVerify) sends a
// CertificateRequest; the client answers with an RSA certificate, an rsa_pss_rsae_sha256
// CertificateVerify and its Finished. TLS_AES_128_GCM_SHA256 over x25519. Hex values named
// after the RFC step they come from; the comment gives the step title and the octet count.
// (The RFC does not show these certificates' private keys.)
#include <string_view>

namespace sc::test::rfc8448::client_auth {

// ----------------------------------------------------------------------------------------------
// Section 6: key exchange, ClientHello and ServerHello

// {client} create an ephemeral x25519 key pair: private key (32 octets)
inline constexpr std::string_view client_x25519_private_key =
    "c040b2bb8f3addd20fd4058c547003a3c6f9c1cd915d5e535c87d8d191aaf071";

// {client} create an ephemeral x25519 key pair: public key (32 octets)
inline constexpr std::string_view client_x25519_public_key =
    "089cc2671f738d9a671e5b2e464981d05b76e361aa22aea91f1d49ca10a7a362";

// {client} construct a ClientHello handshake message: ClientHello (192 octets)
inline constexpr std::string_view client_hello =
    "010000bc03036a472236328b83af40386d3a3e1f1ce624fa4ed89ab865a4ff0f"
    "4144ce3ae2330000061301130313020100008d0000000b000900000673657276"
    "6572ff01000100000a00140012001d0017001800190100010101020103010400"
    "3300260024001d0020089cc2671f738d9a671e5b2e464981d05b76e361aa22ae"
    "a91f1d49ca10a7a362002b0003020304000d0020001e04030503060302030804"
    "0805080604010501060102010402050206020202002d00020101001c00024001";

// {client} send handshake record: complete record (197 octets)
inline constexpr std::string_view client_hello_record =
    "16030100c0010000bc03036a472236328b83af40386d3a3e1f1ce624fa4ed89a"
    "b865a4ff0f4144ce3ae2330000061301130313020100008d0000000b00090000"
    "06736572766572ff01000100000a00140012001d001700180019010001010102"
    "01030104003300260024001d0020089cc2671f738d9a671e5b2e464981d05b76"
    "e361aa22aea91f1d49ca10a7a362002b0003020304000d0020001e0403050306"
    "03020308040805080604010501060102010402050206020202002d0002010100"
    "1c00024001";

// {server} create an ephemeral x25519 key pair: private key (32 octets)
inline constexpr std::string_view server_x25519_private_key =
    "7382a5ad1cdd2056ae18cc708bd007d98130dbe2cd4d9ead9b96952becbb0888";

// {server} create an ephemeral x25519 key pair: public key (32 octets)
inline constexpr std::string_view server_x25519_public_key =
    "6c2e50e865919a6b5a12dfaf918f92b442567b0f89bc54478c6921366658f062";

// {server} construct a ServerHello handshake message: ServerHello (90 octets)
inline constexpr std::string_view server_hello =
    "0200005603033b50fdf1c3d572e40e68953e7fff4e2758459c59afa0582c0ea0"
    "32874255fe6e00130100002e00330024001d00206c2e50e865919a6b5a12dfaf"
    "918f92b442567b0f89bc54478c6921366658f062002b00020304";

// {server} send handshake record: complete record (95 octets)
inline constexpr std::string_view server_hello_record =
    "160303005a0200005603033b50fdf1c3d572e40e68953e7fff4e2758459c59af"
    "a0582c0ea032874255fe6e00130100002e00330024001d00206c2e50e865919a"
    "6b5a12dfaf918f92b442567b0f89bc54478c6921366658f062002b00020304";

// ----------------------------------------------------------------------------------------------
// Section 6: handshake key schedule

// {server} extract secret "early": secret (32 octets)
inline constexpr std::string_view early_secret =
    "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a";

// {server} derive secret for handshake "tls13 derived": expanded (32 octets)
inline constexpr std::string_view derived_for_handshake =
    "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba";

// {server} extract secret "handshake": IKM (32 octets)
inline constexpr std::string_view shared_secret =
    "7dc114f6475dfa7977be736ef7cbebc48c70329e8e9a74b4d7033c43f9597d4f";

// {server} extract secret "handshake": secret (32 octets)
inline constexpr std::string_view handshake_secret =
    "d995243674fb6400d7d37bc0e9861bdbd9ed095601dcf2994874f2803de22e39";

// {server} derive secret "tls13 c hs traffic": hash (32 octets)
inline constexpr std::string_view hello_transcript_hash =
    "88ebc042bd0d5a643b22fca7a47defd4007dfe184949a6261c596c4e002a74a2";

// {server} derive secret "tls13 c hs traffic": expanded (32 octets)
inline constexpr std::string_view client_handshake_traffic_secret =
    "cec7a30c6872070f22a7eeb065768db67c45e29533db879908ce6dc66f5911de";

// {server} derive secret "tls13 s hs traffic": expanded (32 octets)
inline constexpr std::string_view server_handshake_traffic_secret =
    "8b02d3c00442a2722c4098ebe8675b23e801510f0d7ed778d8eb0b8f42a19a5e";

// {server} derive secret for master "tls13 derived": expanded (32 octets)
inline constexpr std::string_view derived_for_master =
    "74575526b07c81a9c1b17e6b34e0e6d084747a61f396f597ebb92c0736ec60e8";

// {server} extract secret "master": secret (32 octets)
inline constexpr std::string_view master_secret =
    "57c15d7b9d441b3d40a9c6ea8a3d730e07b3a1ea7a3339ed7070b9a74a3f4f28";

// {server} derive write traffic keys for handshake data: key expanded (16 octets)
inline constexpr std::string_view server_handshake_write_key = "6cb6e60619d8c7355c5d4c4bc2be90d5";

// {server} derive write traffic keys for handshake data: iv expanded (12 octets)
inline constexpr std::string_view server_handshake_write_iv = "64f239530c3b888fde85e0be";

// {server} derive read traffic keys for handshake data: key expanded (16 octets)
inline constexpr std::string_view client_handshake_write_key = "916948f728d9823fa41a004d083f217f";

// {server} derive read traffic keys for handshake data: iv expanded (12 octets)
inline constexpr std::string_view client_handshake_write_iv = "64153d79bac9ea10ca5a0a88";

// ----------------------------------------------------------------------------------------------
// Section 6: the server's encrypted flight (ECDSA P-256 certificate, asks for the client's)

// {server} construct an EncryptedExtensions handshake message: EncryptedExtensions (40 octets)
inline constexpr std::string_view encrypted_extensions =
    "080000240022000a00140012001d00170018001901000101010201030104001c"
    "0002400100000000";

// {server} construct a CertificateRequest handshake message: CertificateRequest (43 octets)
inline constexpr std::string_view certificate_request =
    "0d000027000024000d0020001e04030503060302030804080508060401050106"
    "0102010402050206020202";

// {server} construct a Certificate handshake message: Certificate (319 octets)
inline constexpr std::string_view server_certificate =
    "0b00013b000001370001323082012e3081d5a003020102020107300a06082a86"
    "48ce3d04030230133111300f060355040313086563647361323536301e170d31"
    "36303733303031323430305a170d3236303733303031323430305a3013311130"
    "0f0603550403130865636473613235363059301306072a8648ce3d020106082a"
    "8648ce3d0301070342000408d530161575f4cfe7f154ee3448180086001e8843"
    "1a79ee62ee6e2f83ef38ba61e9fb37f34e007a7df4d2f5b56d1f04ece45d621f"
    "468406f5c3a15158948dd0a31a301830090603551d1304023000300b0603551d"
    "0f040403020780300a06082a8648ce3d0403020348003045022100df30fd4507"
    "f5edd22c1a6ff86db479ca693feeca3b71b3f9ef556b2937c0594d022062e2a4"
    "7250d320fea83c7e2dcb5b76a50e0200c09adbd13fee946e513e011d110000";

// the server certificate (DER, ECDSA P-256): the one cert_data in Certificate above (306 octets)
inline constexpr std::string_view server_certificate_der =
    "3082012e3081d5a003020102020107300a06082a8648ce3d0403023013311130"
    "0f060355040313086563647361323536301e170d313630373330303132343030"
    "5a170d3236303733303031323430305a30133111300f06035504031308656364"
    "73613235363059301306072a8648ce3d020106082a8648ce3d03010703420004"
    "08d530161575f4cfe7f154ee3448180086001e88431a79ee62ee6e2f83ef38ba"
    "61e9fb37f34e007a7df4d2f5b56d1f04ece45d621f468406f5c3a15158948dd0"
    "a31a301830090603551d1304023000300b0603551d0f040403020780300a0608"
    "2a8648ce3d0403020348003045022100df30fd4507f5edd22c1a6ff86db479ca"
    "693feeca3b71b3f9ef556b2937c0594d022062e2a47250d320fea83c7e2dcb5b"
    "76a50e0200c09adbd13fee946e513e011d11";

// {server} construct a CertificateVerify handshake message: CertificateVerify (79 octets)
inline constexpr std::string_view server_certificate_verify =
    "0f00004b040300473045022100d7a4d34bd54f55fee1a89625678c3dd5e5f60d"
    "ac73ec940c5c7b9304a02084a90220289f595ed488b9ac689a3d192b1a8bb38f"
    "34af7874c059c9806a1f38269353e8";

// the ecdsa_secp256r1_sha256 signature (DER) in the server CertificateVerify above (71 octets)
inline constexpr std::string_view server_certificate_verify_signature =
    "3045022100d7a4d34bd54f55fee1a89625678c3dd5e5f60dac73ec940c5c7b93"
    "04a02084a90220289f595ed488b9ac689a3d192b1a8bb38f34af7874c059c980"
    "6a1f38269353e8";

// {server} calculate finished "tls13 finished": expanded (32 octets)
inline constexpr std::string_view server_finished_key =
    "4e795cde239d5e190eae441b9e716eeb138549058cdb76fa9aeeaf548aef563e";

// {server} calculate finished "tls13 finished": finished (32 octets)
inline constexpr std::string_view server_finished_verify_data =
    "93b70cdf4781985b96345caac701b4e750d3042df1a689d8faca812251113c11";

// {server} construct a Finished handshake message: Finished (36 octets)
inline constexpr std::string_view server_finished =
    "1400002093b70cdf4781985b96345caac701b4e750d3042df1a689d8faca8122"
    "51113c11";

// {server} send handshake record: payload (517 octets)
inline constexpr std::string_view server_flight_plaintext =
    "080000240022000a00140012001d00170018001901000101010201030104001c"
    "00024001000000000d000027000024000d0020001e0403050306030203080408"
    "050806040105010601020104020502060202020b00013b000001370001323082"
    "012e3081d5a003020102020107300a06082a8648ce3d04030230133111300f06"
    "0355040313086563647361323536301e170d3136303733303031323430305a17"
    "0d3236303733303031323430305a30133111300f060355040313086563647361"
    "3235363059301306072a8648ce3d020106082a8648ce3d0301070342000408d5"
    "30161575f4cfe7f154ee3448180086001e88431a79ee62ee6e2f83ef38ba61e9"
    "fb37f34e007a7df4d2f5b56d1f04ece45d621f468406f5c3a15158948dd0a31a"
    "301830090603551d1304023000300b0603551d0f040403020780300a06082a86"
    "48ce3d0403020348003045022100df30fd4507f5edd22c1a6ff86db479ca693f"
    "eeca3b71b3f9ef556b2937c0594d022062e2a47250d320fea83c7e2dcb5b76a5"
    "0e0200c09adbd13fee946e513e011d1100000f00004b040300473045022100d7"
    "a4d34bd54f55fee1a89625678c3dd5e5f60dac73ec940c5c7b9304a02084a902"
    "20289f595ed488b9ac689a3d192b1a8bb38f34af7874c059c9806a1f38269353"
    "e81400002093b70cdf4781985b96345caac701b4e750d3042df1a689d8faca81"
    "2251113c11";

// {server} send handshake record: complete record (539 octets)
inline constexpr std::string_view server_flight_record =
    "17030302166d0a7ac079b32a94aa68c4e2893e8bd0d3c185f549c236fbbce3d6"
    "47f08f3c94a2bf424d8708883605ad8955f97718b0213dead13dfb23ebb8381d"
    "a582756612bcb5a5d40847719fbe9f179bfae656f3ecfd59a4c0d35132ce418a"
    "7e46f6b6a60622f8a6c06b28d83360163563be9c37f97eb902326924a72b3ed8"
    "c8381277d1581cab9c3715ac2401398467ad7ebfab3d0c3419e750104f7d62c5"
    "027901f2e4cd4ca5b8071eb03d3c732d83215066dfc4d291d4c1ff3b8d7e4298"
    "f677d4d51dea1168d8f16cb27ba40266313a1fedf9e23cc77f765450f9e96f05"
    "d08f3da245b14d4946f07ec81eed6d56f26bd574f0b7f7c7047037c16fce3b23"
    "754e662fad73e2b7213f6af296769c99a1d38e6232e0ec8dc4f84d6aa6f7de38"
    "87be0057862f9018e0ab396705aa4090ab5f2dff6325a557e7320d4effd46bb4"
    "f997d163207cce6665294aa4465541e3fe37ee7350659ea550d6dcb6af3c5188"
    "52c7a14c3cc15bc32b3273bdf1751da184203135b117d300204fb12d58ca9ac3"
    "4b68eca27030832f7a4b46d2a55757f63fe8f6e85ac47469e6198da88a64586b"
    "f23c69590de822263be75fd836847240c48f8c145cd6bd698962e7edc234ebe5"
    "9231351eef8d7652cf3b08ab3af6e5ec74c58a8da34b39f9b0d6c4279a9a1f82"
    "071729e7059dd7f7b95b9433c4684ce1891a6d33432d52eddb0b8cee9181d403"
    "eccc12991f1ad4aa62c36049713a7bb135fdda6661a05a93f8c16f";

// ----------------------------------------------------------------------------------------------
// Section 6: application key schedule

// {server} derive secret "tls13 c ap traffic": hash (32 octets)
inline constexpr std::string_view server_finished_transcript_hash =
    "5177a29af5a17f9b4933e431851d128345366c1720d38f8f0465eeeae6740372";

// {server} derive secret "tls13 c ap traffic": expanded (32 octets)
inline constexpr std::string_view client_application_traffic_secret =
    "73c2e890fa8d067258d6d50fa92fe456b098cf00d9727eed91e8892ef4e6f860";

// {server} derive secret "tls13 s ap traffic": expanded (32 octets)
inline constexpr std::string_view server_application_traffic_secret =
    "c49a91faf57f8c545d5048a015bf849ff63942e4a7edcd319f8b438a97c52e21";

// {server} derive secret "tls13 exp master": expanded (32 octets)
inline constexpr std::string_view exporter_master_secret =
    "052e39795e5f2be6e4e0974cfdd86c6a7afe3e57e5589810a3cccf642958beb2";

// {server} derive write traffic keys for application data: key expanded (16 octets)
inline constexpr std::string_view server_application_write_key = "88b3123ddecadf8c1ba298e2c18176b0";

// {server} derive write traffic keys for application data: iv expanded (12 octets)
inline constexpr std::string_view server_application_write_iv = "4e0978513f9de8327c08e4f3";

// ----------------------------------------------------------------------------------------------
// Section 6: the client's encrypted flight (RSA certificate, CertificateVerify, Finished)

// {client} construct a Certificate handshake message: Certificate (451 octets)
inline constexpr std::string_view client_certificate =
    "0b0001bf000001bb0001b6308201b23082011ba003020102020101300d06092a"
    "864886f70d01010b05003011310f300d06035504031306636c69656e74301e17"
    "0d3136303733303031323335395a170d3236303733303031323335395a301131"
    "0f300d06035504031306636c69656e7430819f300d06092a864886f70d010101"
    "050003818d0030818902818100c38175e004a68d093f823b9c379d201fbc0bb7"
    "a1c791905e3fbf76847e44e751ebbcd360bd945c81e5222bcc8846d3a8a0f93e"
    "9bf5bebabd92edf1de1ff19021703e7ab6c0901513f97e39b111f09c9348971c"
    "7b211984a754cd45fe095af0ea4236829bccf7a7fe9b2888e78ab477690a5b9e"
    "1ccbe91c6a4a0f97a7e02842010203010001a31a301830090603551d13040230"
    "00300b0603551d0f040403020780300d06092a864886f70d01010b0500038181"
    "001a7a5a018532b022af0767d486160cff2d167a1915d23835b54594916dc680"
    "be5d2e626076c5d52722ebcc775d7d99f980be2fc94d34acf6cc00ba90cbcfb0"
    "608aa1e7e3971ef0c07a41d47ad8345d1f81fe418a1cf41054429fd217bd777d"
    "c1cf08f05df90799c659361e0f1a8ee4ac0f7897420bdbc823da80a2f2ba2308"
    "1c0000";

// the client certificate (DER, RSA): the one cert_data in Certificate above (438 octets)
inline constexpr std::string_view client_certificate_der =
    "308201b23082011ba003020102020101300d06092a864886f70d01010b050030"
    "11310f300d06035504031306636c69656e74301e170d31363037333030313233"
    "35395a170d3236303733303031323335395a3011310f300d0603550403130663"
    "6c69656e7430819f300d06092a864886f70d010101050003818d003081890281"
    "8100c38175e004a68d093f823b9c379d201fbc0bb7a1c791905e3fbf76847e44"
    "e751ebbcd360bd945c81e5222bcc8846d3a8a0f93e9bf5bebabd92edf1de1ff1"
    "9021703e7ab6c0901513f97e39b111f09c9348971c7b211984a754cd45fe095a"
    "f0ea4236829bccf7a7fe9b2888e78ab477690a5b9e1ccbe91c6a4a0f97a7e028"
    "42010203010001a31a301830090603551d1304023000300b0603551d0f040403"
    "020780300d06092a864886f70d01010b0500038181001a7a5a018532b022af07"
    "67d486160cff2d167a1915d23835b54594916dc680be5d2e626076c5d52722eb"
    "cc775d7d99f980be2fc94d34acf6cc00ba90cbcfb0608aa1e7e3971ef0c07a41"
    "d47ad8345d1f81fe418a1cf41054429fd217bd777dc1cf08f05df90799c65936"
    "1e0f1a8ee4ac0f7897420bdbc823da80a2f2ba23081c";

// {client} construct a CertificateVerify handshake message: CertificateVerify (136 octets)
inline constexpr std::string_view client_certificate_verify =
    "0f00008408040080186b2223b503a759c35dba0e9721b4b579138d5f0f5e6ec7"
    "feaaf27f3ad7f386c2c7bd7cb2be52fbf5ed8393f406ee79369692ec7ac69565"
    "1d858219e672a8eb7b2a677b640b46ab630edc5f3f2f8272b9c0d906f81f84dd"
    "c5b8c7bcf955c78a3cf99e5016f73e04eb7dfcb28833f13e8f75ec2ff3581e2f"
    "098ad4157fd6d6ad";

// the rsa_pss_rsae_sha256 signature in the client CertificateVerify above (128 octets)
inline constexpr std::string_view client_certificate_verify_signature =
    "186b2223b503a759c35dba0e9721b4b579138d5f0f5e6ec7feaaf27f3ad7f386"
    "c2c7bd7cb2be52fbf5ed8393f406ee79369692ec7ac695651d858219e672a8eb"
    "7b2a677b640b46ab630edc5f3f2f8272b9c0d906f81f84ddc5b8c7bcf955c78a"
    "3cf99e5016f73e04eb7dfcb28833f13e8f75ec2ff3581e2f098ad4157fd6d6ad";

// {client} calculate finished "tls13 finished": expanded (32 octets)
inline constexpr std::string_view client_finished_key =
    "4fddd76bbcb8e30c7261b1db401bb136ed39bce6a4815a2124476e27e6cbcbf6";

// {client} calculate finished "tls13 finished": finished (32 octets)
inline constexpr std::string_view client_finished_verify_data =
    "9afe2ba2f63a09d229d8a429e5b37ffd9fcc73bdb5911b82425972aa2892440f";

// {client} construct a Finished handshake message: Finished (36 octets)
inline constexpr std::string_view client_finished =
    "140000209afe2ba2f63a09d229d8a429e5b37ffd9fcc73bdb5911b82425972aa"
    "2892440f";

// {client} send handshake record: payload (623 octets)
inline constexpr std::string_view client_flight_plaintext =
    "0b0001bf000001bb0001b6308201b23082011ba003020102020101300d06092a"
    "864886f70d01010b05003011310f300d06035504031306636c69656e74301e17"
    "0d3136303733303031323335395a170d3236303733303031323335395a301131"
    "0f300d06035504031306636c69656e7430819f300d06092a864886f70d010101"
    "050003818d0030818902818100c38175e004a68d093f823b9c379d201fbc0bb7"
    "a1c791905e3fbf76847e44e751ebbcd360bd945c81e5222bcc8846d3a8a0f93e"
    "9bf5bebabd92edf1de1ff19021703e7ab6c0901513f97e39b111f09c9348971c"
    "7b211984a754cd45fe095af0ea4236829bccf7a7fe9b2888e78ab477690a5b9e"
    "1ccbe91c6a4a0f97a7e02842010203010001a31a301830090603551d13040230"
    "00300b0603551d0f040403020780300d06092a864886f70d01010b0500038181"
    "001a7a5a018532b022af0767d486160cff2d167a1915d23835b54594916dc680"
    "be5d2e626076c5d52722ebcc775d7d99f980be2fc94d34acf6cc00ba90cbcfb0"
    "608aa1e7e3971ef0c07a41d47ad8345d1f81fe418a1cf41054429fd217bd777d"
    "c1cf08f05df90799c659361e0f1a8ee4ac0f7897420bdbc823da80a2f2ba2308"
    "1c00000f00008408040080186b2223b503a759c35dba0e9721b4b579138d5f0f"
    "5e6ec7feaaf27f3ad7f386c2c7bd7cb2be52fbf5ed8393f406ee79369692ec7a"
    "c695651d858219e672a8eb7b2a677b640b46ab630edc5f3f2f8272b9c0d906f8"
    "1f84ddc5b8c7bcf955c78a3cf99e5016f73e04eb7dfcb28833f13e8f75ec2ff3"
    "581e2f098ad4157fd6d6ad140000209afe2ba2f63a09d229d8a429e5b37ffd9f"
    "cc73bdb5911b82425972aa2892440f";

// {client} send handshake record: complete record (645 octets)
inline constexpr std::string_view client_flight_record =
    "1703030280b46a63934e673841abaf267403bc677f6b6d2a1e2f12bb5f62683b"
    "fe36a82673f06d6287ddd609bcf2f5fd3225923d24af3c76682c180ee571a17c"
    "a4bfbe2f510dc9a0e1fca5cff2cee87d11cb531a6ef90bf5309a6b63bbbc0b88"
    "ea45103a4304091543859fa11ec032ed873444cd5185ead5f6a76420f0f0286a"
    "cef802c8e4788c23275f1b06da600f4a7decd0bc59d7bef10e649ae32690397f"
    "c3d4ed6f30f801d8cd569b71ad4fa05ea7cf2ac2dfa150d220505d4011b34d09"
    "d53853eba61a101e4f8dca47d8171a884b19259a3dd48c5ac141983edc77814d"
    "25e7f66bbbdb9096839266e06561828ecfb27eafd4e9e81a0b96e3bfa42dae5a"
    "d80359b9a6661402c3a2104177030106dbd8f65bb6a0159d512eb13af22a259f"
    "313bd58c2e21fe053d57f2a962b0a4ea682c96f70b79b560136192823b27be6a"
    "2fb7b1c751ccc0e3303615541485b7b307b423332c11efa80b72f9b80a53e53f"
    "7bb38a3af4c59f8008bad0544e5614e688ff57bccd6935f81f447f420c1c1bf4"
    "058818e90bf5dc716ccae42524856df8250bcdbd7af65f82dd53061d024f6d2f"
    "f5c11e3792a9a70e0ee2a3c20a1b968ac391f8f92831135d25242ada2fe241c2"
    "653ec996339dfa12dfae7a3373df88b07ca27aef6dc266a25f13f75c76039c1f"
    "46fd7a53ae6399c999f4b2aee18e480d6d12bfae226bbdc92a6ad50b4d3bac7a"
    "bc3b3651eb5be56f33bf41127b3ca886dc714a50d1490357bd40d9fd6be42209"
    "a4ddb9ebb2987e29f120f05814614d2c79320015b461fe7324447670a1af5f65"
    "caed15b474ab7faa495016adf808e53b94ef54afbb0e0a3a2732ab597f7d5923"
    "c77386aa5124731f8cc73e703b341c175a454939a77ab64313c15cf3fe03c4f3"
    "3842564976";

// {client} derive write traffic keys for application data: key expanded (16 octets)
inline constexpr std::string_view client_application_write_key = "cdc09c806aa8f86dfcd51efc44a0c039";

// {client} derive write traffic keys for application data: iv expanded (12 octets)
inline constexpr std::string_view client_application_write_iv = "6ef852e78b46d913668e53e7";

// {client} derive secret "tls13 res master": hash (32 octets)
inline constexpr std::string_view client_finished_transcript_hash =
    "391d004bd84c831b1582444414b4dc8064010ecc76f37f88bfeb1e88fe135c25";

// {client} derive secret "tls13 res master": expanded (32 octets)
inline constexpr std::string_view resumption_master_secret =
    "1006dccbf40eb4eb978bff0392a9e452a4fbad58aa14784d5a241c6b49daccfb";

// ----------------------------------------------------------------------------------------------
// Section 6: closing

// {client} send alert record: payload (2 octets)
inline constexpr std::string_view client_alert = "0100";

// {client} send alert record: complete record (24 octets)
inline constexpr std::string_view client_alert_record =
    "1703030013e4ad7d44c29245339d355962c779b89ef44c58";

// {server} send alert record: payload (2 octets)
inline constexpr std::string_view server_alert = "0100";

// {server} send alert record: complete record (24 octets)
inline constexpr std::string_view server_alert_record =
    "17030300131decc5d6e64bba8a6f21b4fd077497da2a90cb";

}  // namespace sc::test::rfc8448::client_auth
