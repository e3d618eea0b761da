#pragma once
// RFC 8448 section 7, "Compatibility Mode", transcribed from /work/shared/rfc/rfc8448.txt: the
// 1-RTT handshake of RFC 8446 appendix D.4, with a 32-byte legacy_session_id echoed by the
// server and a dummy change_cipher_spec record from each side. TLS_AES_128_GCM_SHA256, x25519,
// the section 2 RSA certificate. Hex values named after the RFC step they come from; the
// comment gives the step title and the octet count.
#include <string_view>

namespace sc::test::rfc8448::compatibility_mode {

// ----------------------------------------------------------------------------------------------
// Section 7: key exchange, ClientHello (32-byte legacy_session_id) and ServerHello

// {client} create an ephemeral x25519 key pair: private key (32 octets)
inline constexpr std::string_view client_x25519_private_key =
    "dea00b45695dc781f19d34a62c1afd31ab4369af1e855a3bbb258d8442cde6d7";

// {client} create an ephemeral x25519 key pair: public key (32 octets)
inline constexpr std::string_view client_x25519_public_key =
    "8e7292cf3056dbb0d25fcbe55c107dc9bbf83dd9708f39203ba341249a7d9b63";

// {client} construct a ClientHello handshake message: ClientHello (224 octets)
inline constexpr std::string_view client_hello =
    "010000dc03034e640a3f2c2738f09c9418bd78edccd7559d0531199276d4d92a"
    "0e9ee9d77d0920a80c165581a8e0d06c0018d54d3a06dd32cfd4051eb026fad3"
    "fd0ba99269e6ef00061301130313020100008d0000000b000900000673657276"
    "6572ff01000100000a00140012001d0017001800190100010101020103010400"
    "3300260024001d00208e7292cf3056dbb0d25fcbe55c107dc9bbf83dd9708f39"
    "203ba341249a7d9b63002b0003020304000d0020001e04030503060302030804"
    "0805080604010501060102010402050206020202002d00020101001c00024001";

// the client random: ClientHello bytes 6..37 (32 octets)
inline constexpr std::string_view client_random =
    "4e640a3f2c2738f09c9418bd78edccd7559d0531199276d4d92a0e9ee9d77d09";

// legacy_session_id: ClientHello bytes 39..70, echoed by the ServerHello (32 octets)
inline constexpr std::string_view legacy_session_id =
    "a80c165581a8e0d06c0018d54d3a06dd32cfd4051eb026fad3fd0ba99269e6ef";

// {client} send handshake record: complete record (229 octets)
inline constexpr std::string_view client_hello_record =
    "16030100e0010000dc03034e640a3f2c2738f09c9418bd78edccd7559d053119"
    "9276d4d92a0e9ee9d77d0920a80c165581a8e0d06c0018d54d3a06dd32cfd405"
    "1eb026fad3fd0ba99269e6ef00061301130313020100008d0000000b00090000"
    "06736572766572ff01000100000a00140012001d001700180019010001010102"
    "01030104003300260024001d00208e7292cf3056dbb0d25fcbe55c107dc9bbf8"
    "3dd9708f39203ba341249a7d9b63002b0003020304000d0020001e0403050306"
    "03020308040805080604010501060102010402050206020202002d0002010100"
    "1c00024001";

// {server} create an ephemeral x25519 key pair: private key (32 octets)
inline constexpr std::string_view server_x25519_private_key =
    "017c38a3647921ca2d9ed6bd7ae7132b94211b1331bb208c8ccdd51556409995";

// {server} create an ephemeral x25519 key pair: public key (32 octets)
inline constexpr std::string_view server_x25519_public_key =
    "3e30f0f4ba551afd62768341175f5265e4daf0c8841617aa4fafdd2142320c22";

// {server} construct a ServerHello handshake message: ServerHello (122 octets)
inline constexpr std::string_view server_hello =
    "020000760303e5dd5948c435f7a38f0f0130708dc322d9df09abd4838117c183"
    "a7bb6d994f2c20a80c165581a8e0d06c0018d54d3a06dd32cfd4051eb026fad3"
    "fd0ba99269e6ef130100002e00330024001d00203e30f0f4ba551afd62768341"
    "175f5265e4daf0c8841617aa4fafdd2142320c22002b00020304";

// {server} send handshake record: complete record (127 octets)
inline constexpr std::string_view server_hello_record =
    "160303007a020000760303e5dd5948c435f7a38f0f0130708dc322d9df09abd4"
    "838117c183a7bb6d994f2c20a80c165581a8e0d06c0018d54d3a06dd32cfd405"
    "1eb026fad3fd0ba99269e6ef130100002e00330024001d00203e30f0f4ba551a"
    "fd62768341175f5265e4daf0c8841617aa4fafdd2142320c22002b00020304";

// {server} send change_cipher_spec record: complete record (6 octets)
inline constexpr std::string_view server_change_cipher_spec_record = "140303000101";

// ----------------------------------------------------------------------------------------------
// Section 7: handshake key schedule

// {server} extract secret "early": secret (32 octets)
inline constexpr std::string_view early_secret =
    "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a";

// {server} derive secret for handshake "tls13 derived": expanded (32 octets)
inline constexpr std::string_view derived_for_handshake =
    "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba";

// {server} extract secret "handshake": IKM (32 octets)
inline constexpr std::string_view shared_secret =
    "eef790559077db5bb63b6684e4169f051e8fb34ce59bafce2f9c8ee68cc4eb79";

// {server} extract secret "handshake": secret (32 octets)
inline constexpr std::string_view handshake_secret =
    "f91761354a67e9b07c6dcc3a55707efa69c4519d8040e5f215121e0df69afa4a";

// {server} derive secret "tls13 c hs traffic": hash (32 octets)
inline constexpr std::string_view hello_transcript_hash =
    "745c55bac399310b7b5a7c81a2c130b4d56dff6f68c3ab477857601e01f1f8d1";

// {server} derive secret "tls13 c hs traffic": expanded (32 octets)
inline constexpr std::string_view client_handshake_traffic_secret =
    "2c3cb24a1081edb59518ee6861e89a6b72b3801afe7713e4cbbc21c0795bf831";

// {server} derive secret "tls13 s hs traffic": expanded (32 octets)
inline constexpr std::string_view server_handshake_traffic_secret =
    "cace3d555cc1c577cf970cff28cf978d6a9800085442e18d695b50f3151d18c8";

// {server} derive secret for master "tls13 derived": expanded (32 octets)
inline constexpr std::string_view derived_for_master =
    "5da12dc47835ba73fdd994b14ab7e63cc63f0d79162f6756e9a46756c8b2b642";

// {server} extract secret "master": secret (32 octets)
inline constexpr std::string_view master_secret =
    "628112dae2f702488063e42de6c850a5c0820b90903e00abc31875da03d4bc5b";

// {server} derive write traffic keys for handshake data: key expanded (16 octets)
inline constexpr std::string_view server_handshake_write_key = "041091fdab29f2c8abfb156dc5fc8d54";

// {server} derive write traffic keys for handshake data: iv expanded (12 octets)
inline constexpr std::string_view server_handshake_write_iv = "7464d791685de05998fcbadb";

// {server} derive read traffic keys for handshake data: key expanded (16 octets)
inline constexpr std::string_view client_handshake_write_key = "62d13c13ffd7402fc1c09e3d163665cb";

// {server} derive read traffic keys for handshake data: iv expanded (12 octets)
inline constexpr std::string_view client_handshake_write_iv = "7166f20028bf146dcfbd5a40";

// ----------------------------------------------------------------------------------------------
// Section 7: the server's encrypted flight

// {server} construct an EncryptedExtensions handshake message: EncryptedExtensions (40 octets)
inline constexpr std::string_view encrypted_extensions =
    "080000240022000a00140012001d00170018001901000101010201030104001c"
    "0002400100000000";

// {server} construct a Certificate handshake message: Certificate (445 octets)
inline constexpr std::string_view certificate =
    "0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a"
    "864886f70d01010b0500300e310c300a06035504031303727361301e170d3136"
    "303733303031323335395a170d3236303733303031323335395a300e310c300a"
    "0603550403130372736130819f300d06092a864886f70d010101050003818d00"
    "30818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826"
    "d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced4312"
    "0998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda4308467480"
    "30530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a"
    "8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b060355"
    "1d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5"
    "b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2eae8f8a5"
    "8c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102"
    "702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0"
    "a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de10000";

// {server} construct a CertificateVerify handshake message: CertificateVerify (136 octets)
inline constexpr std::string_view certificate_verify =
    "0f00008408040080a2301a68dd1ceee6938fe9d40c46b9201b34d59952a37e06"
    "523a39cf8ba6c9c8b68ae94492af780516ed7b73c82812e99dd3fabea45e09d9"
    "c6848721c2808c61501b0c75e7fcaba5f78bef68a2c2b69b19558b3e40387eea"
    "93d25c7781c1cc00e9f519f7e2e4adb73e76d66089000a2dc866c2ed30bba50a"
    "0d457f19dc6eb9f3";

// {server} calculate finished "tls13 finished": expanded (32 octets)
inline constexpr std::string_view server_finished_key =
    "2c9f72f27b81e7df668caccd49371f1286d411e16c8ccc1c0d9aed72cbbdc080";

// {server} calculate finished "tls13 finished": finished (32 octets)
inline constexpr std::string_view server_finished_verify_data =
    "c8c3a8f1bff5274061f4bc3a7caffbdc9616094ca625caa65f8e76ed46db74d3";

// {server} construct a Finished handshake message: Finished (36 octets)
inline constexpr std::string_view server_finished =
    "14000020c8c3a8f1bff5274061f4bc3a7caffbdc9616094ca625caa65f8e76ed"
    "46db74d3";

// {server} send handshake record: payload (657 octets)
inline constexpr std::string_view server_flight_plaintext =
    "080000240022000a00140012001d00170018001901000101010201030104001c"
    "00024001000000000b0001b9000001b50001b0308201ac30820115a003020102"
    "020102300d06092a864886f70d01010b0500300e310c300a0603550403130372"
    "7361301e170d3136303733303031323335395a170d3236303733303031323335"
    "395a300e310c300a0603550403130372736130819f300d06092a864886f70d01"
    "0101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c"
    "0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19e"
    "aa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e2"
    "2a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a"
    "8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304"
    "023000300b0603551d0f0404030205a0300d06092a864886f70d01010b050003"
    "81810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594"
    "365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd"
    "335e5e67f2dbf102702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb"
    "2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b4"
    "2b4de100000f00008408040080a2301a68dd1ceee6938fe9d40c46b9201b34d5"
    "9952a37e06523a39cf8ba6c9c8b68ae94492af780516ed7b73c82812e99dd3fa"
    "bea45e09d9c6848721c2808c61501b0c75e7fcaba5f78bef68a2c2b69b19558b"
    "3e40387eea93d25c7781c1cc00e9f519f7e2e4adb73e76d66089000a2dc866c2"
    "ed30bba50a0d457f19dc6eb9f314000020c8c3a8f1bff5274061f4bc3a7caffb"
    "dc9616094ca625caa65f8e76ed46db74d3";

// {server} send handshake record: complete record (679 octets)
inline constexpr std::string_view server_flight_record =
    "17030302a248de891d9c3624a67a6c6f0601ab7ac20c1f6a9e14d2e6007e999e"
    "130367a8af1bcfea9498fbce19df4505eece3a25da523cbe55ea1b3bda4e9199"
    "5e455d500a4faa6227b7111e1c8547e2d7c179db215303d25827f3cd18f48f64"
    "91328cf5c0f814d388150bd9e9264aae491db6995069bea17665d5e0c817284d"
    "4ac21880054c3657331e23a9304dc88a15c04ec80bd3852bf7f9d3c6615b15fa"
    "c83bbca031c6d2310d9f5d7a4b020a4f7c19062b65c05a1d3264b557ec9d8e0f"
    "7cee27e36f793039de8dd96edfca9009e0651034bff31d7f349eece01d99fcb5"
    "fcab840d7707c72299c3b5d04564e880a33c5e846c762e3d922bb55303d1d87c"
    "c0f06573f17dcb9b8ffd35bbd883c1cb3aa24fcc325005f768ce2fb624ca97b6"
    "c4d98e17f35bc2c7940a06100c2d448db7180b2d862164435c9c210e9860394e"
    "05aab23ff1b0203f662c588da5bc4411477a30b41136c488a0a63fcab5c15ac6"
    "13226dae827a1d1fe95ece6b30bcee1560a8d408d264555e760f9bfc624c2c87"
    "fd0456c9bfb41bcd1a7b212786d2b67fd57804facfa1eef7cf2919d8b998c978"
    "9f763b4d9caa093a9ded43175d46a76b4d54f0ce0c5d2259b607e30a9d241263"
    "874fa59d6f570dc40d83a2d83bf9e9850d454c57806535a8998ae0357df92f00"
    "b9667344c24114ccc9ef539124b204e7e6e748c30a28a3d1d183997243eaccbb"
    "d33b0c1115a0327106a1e6a75271d4983086f632ff0eb8b4c63102cbcef5bb72"
    "dae1279d5de8eb19096d8cdb07fa8ea989788fac23e66e0488c193f3f3fea8c8"
    "838896bf3ae4b6848d42ced4bdf41abe6fc331b44225e7a1f7d3564147d5458e"
    "71aa909cb02be958bbc42e3aa5a27cc6eaf4b6fe51ae4495694d8ab6320aab92"
    "0183fd5b31a359042fbd67391ec5e4d1892a2e5210141a494e9301b24a113c47"
    "4c7f2a73457847";

// ----------------------------------------------------------------------------------------------
// Section 7: application key schedule

// {server} derive secret "tls13 c ap traffic": hash (32 octets)
inline constexpr std::string_view server_finished_transcript_hash =
    "0707dcac7b2fa428cc7f691694a2590c806aaa5c0cf5087ed5385012e7f96cd4";

// {server} derive secret "tls13 c ap traffic": expanded (32 octets)
inline constexpr std::string_view client_application_traffic_secret =
    "743e4c6b56cf3909d1b06d01956ccd2c4b37758449aec41d98dae44924eaa299";

// {server} derive secret "tls13 s ap traffic": expanded (32 octets)
inline constexpr std::string_view server_application_traffic_secret =
    "b6b8144aa335ed3059c0c9c8f0ecabf7afc94af6643bdecdfd9210188fab7451";

// {server} derive secret "tls13 exp master": expanded (32 octets)
inline constexpr std::string_view exporter_master_secret =
    "fb69121cea334db459e12272d179baca2369b643d11a6ac72b8b27a5c964feb1";

// {server} derive write traffic keys for application data: key expanded (16 octets)
inline constexpr std::string_view server_application_write_key = "edc4cbd0041c28cc7167441d7ca53e6a";

// {server} derive write traffic keys for application data: iv expanded (12 octets)
inline constexpr std::string_view server_application_write_iv = "bf6c7d8e0a9545b427dcf139";

// ----------------------------------------------------------------------------------------------
// Section 7: the client ChangeCipherSpec and Finished

// {client} send change_cipher_spec record: complete record (6 octets)
inline constexpr std::string_view client_change_cipher_spec_record = "140303000101";

// {client} calculate finished "tls13 finished": expanded (32 octets)
inline constexpr std::string_view client_finished_key =
    "77341abc8c0ffab5180736713e41d2f665c410a404c8c21edcd948a4440fd80c";

// {client} calculate finished "tls13 finished": finished (32 octets)
inline constexpr std::string_view client_finished_verify_data =
    "692cab155cc6c100ead60733d0617f6fb09b71aa1e8c9accbbbc9e8ed336c1dd";

// {client} construct a Finished handshake message: Finished (36 octets)
inline constexpr std::string_view client_finished =
    "14000020692cab155cc6c100ead60733d0617f6fb09b71aa1e8c9accbbbc9e8e"
    "d336c1dd";

// {client} send handshake record: complete record (58 octets)
inline constexpr std::string_view client_finished_record =
    "170303003532d030e273773a8696c799981af6ced07f87482e81565e394e87c8"
    "67f33df3d65b7506f1a626af91d4821d5f7a1f210ef8dd3c6d16";

// {client} derive write traffic keys for application data: key expanded (16 octets)
inline constexpr std::string_view client_application_write_key = "33d7f9709756c966488ad4438437e673";

// {client} derive write traffic keys for application data: iv expanded (12 octets)
inline constexpr std::string_view client_application_write_iv = "c5f30d34b0e91b7d6c8eea65";

// {client} derive secret "tls13 res master": hash (32 octets)
inline constexpr std::string_view client_finished_transcript_hash =
    "a021d3a05bd418a772813875ef79b0af68c5123215427ab7333f8c27722a9fd5";

// {client} derive secret "tls13 res master": expanded (32 octets)
inline constexpr std::string_view resumption_master_secret =
    "0b5d4407cea0a42a3a81dd477647b7fe9180db297e5114f1ad8796b4dc475004";

// ----------------------------------------------------------------------------------------------
// Section 7: closing

// {client} send alert record: payload (2 octets)
inline constexpr std::string_view client_alert = "0100";

// {client} send alert record: complete record (24 octets)
inline constexpr std::string_view client_alert_record =
    "17030300130f629155382dba23c4e2c5f7f84e6f2ed3083d";

// {server} send alert record: payload (2 octets)
inline constexpr std::string_view server_alert = "0100";

// {server} send alert record: complete record (24 octets)
inline constexpr std::string_view server_alert_record =
    "1703030013b7257b0fecaf69d4f09e3f891e2a25d1e28845";

}  // namespace sc::test::rfc8448::compatibility_mode
