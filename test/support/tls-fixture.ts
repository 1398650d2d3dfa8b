/**
 * A self-signed certificate for 127.0.0.1 and localhost (valid until 2126), for tests of TLS
 * options against a local https server. A test key: it protects nothing.
 */
export const TEST_TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQghpTMGXXAl/bKfSc2
pQVZIm81W4+p6f3BtLcIyg/n7HahRANCAATGobqtFLLwjlke7srqkHagFrwl6PHF
qsKDO5+/zg0biIU37JHzHT90jsgMEQ4vhbrgJr5I0Eej1hAo5x6bzWQF
-----END PRIVATE KEY-----
`;

export const TEST_TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBnDCCAUGgAwIBAgIUIMB3HuvkiIEUVAibpDC9mRbJrLswCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTIwNjA1MzIyMVoYDzIxMjYxMTEy
MDUzMjIxWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAATGobqtFLLwjlke7srqkHagFrwl6PHFqsKDO5+/zg0biIU37JHzHT90
jsgMEQ4vhbrgJr5I0Eej1hAo5x6bzWQFo28wbTAdBgNVHQ4EFgQUHE4pz+1G9z80
nMG2zMVFbtzHjN0wHwYDVR0jBBgwFoAUHE4pz+1G9z80nMG2zMVFbtzHjN0wDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3QwCgYIKoZI
zj0EAwIDSQAwRgIhAJLm+jqKsuZcjPYSxz9ZEXOfdvso7wass+ALPoVQMBO8AiEA
vDHpzjqVwCoVgMOAXsw/M6v20FJjpm20T9dsDtzy1xo=
-----END CERTIFICATE-----
`;
