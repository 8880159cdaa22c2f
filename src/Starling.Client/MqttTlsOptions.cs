using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Starling.Client;

/// <summary>TLS settings for <c>mqtts://</c> and <c>wss://</c>.</summary>
public sealed class MqttTlsOptions
{
    /// <summary>Certificate authorities trusted instead of the system store (a private CA, a self-signed broker).</summary>
    public X509Certificate2Collection? TrustedAuthorities { get; set; }

    /// <summary>Client certificates offered to the broker (each with its private key).</summary>
    public X509Certificate2Collection? ClientCertificates { get; set; }

    /// <summary>Accept any server certificate. For tests only: it removes the protection TLS gives.</summary>
    public bool AllowUntrustedCertificates { get; set; }

    /// <summary>Host name checked against the certificate; default: the host of the server URI.</summary>
    public string? TargetHost { get; set; }

    /// <summary>Full control over server certificate validation; replaces the checks above.</summary>
    public RemoteCertificateValidationCallback? CertificateValidation { get; set; }
}
