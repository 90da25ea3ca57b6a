/* bench/pull's floor for a warm docker:// launch: one HEAD of a manifest over TLS with OpenSSL, verified as
   hpcrun's launcher verifies it (SSL_CERT_FILE, the hashed directory of SSL_CERT_DIR, the IP address), with
   TCP_NODELAY, and nothing else. Usage: pull-head IP PORT PATH; exit 0 when the registry answered 200. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
    if (argc != 4) return 2;
    char address[300], request[1024], answer[4096];
    snprintf(address, sizeof address, "%s:%s", argv[1], argv[2]);
    snprintf(request, sizeof request, "HEAD %s HTTP/1.1\r\nHost: %s\r\nAccept: "
             "application/vnd.oci.image.manifest.v1+json\r\nConnection: close\r\n\r\n", argv[3], address);
    SSL_CTX *context = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_load_verify_locations(context, getenv("SSL_CERT_FILE"), getenv("SSL_CERT_DIR")) != 1) return 3;
    BIO *connection = BIO_new_connect(address);
    if (BIO_do_connect(connection) <= 0) return 4;
    int fd = (int)BIO_get_fd(connection, NULL), on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    SSL *ssl = SSL_new(context);
    SSL_set_fd(ssl, fd);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), argv[1]);
    if (SSL_connect(ssl) != 1 || SSL_get_verify_result(ssl) != X509_V_OK) return 5;
    SSL_write(ssl, request, (int)strlen(request));
    int n = SSL_read(ssl, answer, sizeof answer - 1);
    if (n <= 0) return 6;
    answer[n] = 0;
    return strncmp(answer, "HTTP/1.1 200", 12) == 0 ? 0 : 7;
}
