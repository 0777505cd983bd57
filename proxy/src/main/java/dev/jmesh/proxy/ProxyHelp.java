package dev.jmesh.proxy;

/** What {@code --help} prints: every option, its environment variable and its default. */
final class ProxyHelp {

  private ProxyHelp() {}

  static String text() {
    return """
    Usage: java -Xmx96m -Xmn48m -XX:+UseSerialGC -jar mesh-proxy.jar --service NAME \\
             --control-plane HOST:15012 --token-file FILE [--app-port PORT | --inbound ...]

    The jmesh data path as a sidecar process for a workload that cannot take the agent.
    Every option can also be given as the environment variable shown; the option wins.
    Repeatable options take a comma-separated list in their variable.

    Workload (the agent's settings, same names):
      --service NAME               MESH_SERVICE             the mesh service the application
                                                            serves (required)
      --namespace NS               MESH_NAMESPACE           default: default (a join token's
                                                            namespace wins)
      --service-account SA         MESH_SERVICE_ACCOUNT     default: default
      --labels K=V,K=V             MESH_LABELS              e.g. app=ratings,version=v1
      --locality R/Z/S             MESH_LOCALITY
      --control-plane HOST:PORT    MESH_CONTROL_PLANE       required; 15012 (TLS, with a token)
                                                            or 15010 (plaintext, no identity)
      --token-file FILE            MESH_TOKEN_FILE          the join token (chmod 600); or the
                                                            token itself in MESH_TOKEN
      --workload-address IP        MESH_WORKLOAD_ADDRESS    where inbound listens and the
                                                            address registered; default: the
                                                            first non-loopback IPv4 address
      --admin-port PORT            MESH_ADMIN_PORT          default 15000, on 127.0.0.1
      --metrics-port PORT          MESH_METRICS_PORT        default 15020, on the workload
                                                            address
      --log-level LEVEL            MESH_LOG_LEVEL           error, warn, info (default), debug
      --trust-domain DOMAIN        MESH_TRUST_DOMAIN        default cluster.local
      --tls-provider P             MESH_TLS_PROVIDER        boringssl (default) or jdk
      --service-ports NAME:PORT,.. MESH_SERVICE_PORTS       Istio port names of inbound ports
                                                            (tcp-postgres:5432); default http
      --first-config-timeout D     MESH_FIRST_CONFIG_TIMEOUT        e.g. 10s
      --protocol-detection-timeout D  MESH_PROTOCOL_DETECTION_TIMEOUT
      --request-headers-timeout D  MESH_REQUEST_HEADERS_TIMEOUT
      --idle-timeout D             MESH_IDLE_TIMEOUT
      --tls-handshake-timeout D    MESH_TLS_HANDSHAKE_TIMEOUT   inbound mTLS handshake bound; 10s
      --max-request-body-bytes N   MESH_MAX_REQUEST_BODY_BYTES
      --drain-timeout D            MESH_DRAIN_TIMEOUT       how long shutdown lets requests
                                                            finish

    Inbound (repeatable): mTLS and policy in front of the application
      --inbound PORT=IP:APP_PORT   MESH_INBOUND             listen on PORT of the workload
                                                            address (the port callers and the
                                                            control plane know), forward to
                                                            the application at IP:APP_PORT
      --app-port PORT              MESH_APP_PORT            shorthand for
                                                            --inbound PORT=127.0.0.1:PORT: the
                                                            application listens on loopback
                                                            only, the proxy on the workload
                                                            address

    Outbound:
      --http-proxy IP:PORT|off     MESH_HTTP_PROXY          the explicit HTTP proxy for
                                                            HTTP_PROXY clients (absolute-form
                                                            and CONNECT); default
                                                            127.0.0.1:15001
      --outbound SVC:PORT=IP:PORT  MESH_OUTBOUND            (repeatable) a local port whose
                                                            connections go to SVC:PORT through
                                                            the mesh, e.g.
                                                            reviews:9080=127.0.0.1:19080
      --capture-port PORT|IP:PORT|off  MESH_CAPTURE_PORT    transparent capture: the listener
                                                            for connections iptables TPROXY
                                                            captured (scripts/mesh-capture);
                                                            a bare port is on 127.0.0.1;
                                                            default off, usually 15002
      --hosts-file FILE            MESH_HOSTS_FILE          keep the mesh's service names (the
                                                            virtual addresses capture maps
                                                            back) in this hosts file, e.g.
                                                            /etc/netns/NS/hosts

    Telemetry:
      --journal DIR|off            MESH_JOURNAL             where every request and TCP
                                                            connection is journaled
                                                            (docs/telemetry-journal.md);
                                                            default ./jmesh-journal

      --help                                                this text

    Exit codes: 78 a setting is bad (the message names it), 1 a port cannot be bound.
    Admin: GET /ready (200 once registered and configured), /stats/prometheus, /config_dump,
    /certs, POST /quitquitquit (deregister, drain, exit). Docs: docs/proxy.md.
    """;
  }
}
