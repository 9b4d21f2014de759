import HousekeeperPlugin

/// An `http://` URL split into what a request needs. `https://` is refused: this build has no TLS library.
struct HTTPURL: Sendable, Hashable {
    /// Host name or IP address (IPv6 without brackets).
    var host: String
    /// TCP port.
    var port: Int
    /// Path and query, at least `/`.
    var target: String

    /// The `Host:` header value.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }

    /// Parses `text`.
    /// - Parameter key: the config key, for messages.
    /// - Throws: a `.config` error naming `key`.
    init(parsing text: String, key: String) throws(PluginError) {
        let lower = text.lowercased()
        if lower.hasPrefix("https://") {
            throw PluginError.config(key: key, "https:// is not supported: this build of the http plugin has no TLS "
                + "library, and it will not send a request unencrypted that you asked to be encrypted; use http:// "
                + "(for example through a local TLS-terminating proxy), or the exec plugin with curl")
        }
        guard lower.hasPrefix("http://") else {
            throw PluginError.config(key: key, "must start with http://, not \"\(text)\"")
        }
        let rest = text.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var target = String(rest.dropFirst(authority.count).prefix { $0 != "#" })
        if target.isEmpty { target = "/" } else if target.hasPrefix("?") { target = "/" + target }
        guard !authority.contains("@") else {
            throw PluginError.config(key: key, "must not carry credentials; send an Authorization header instead")
        }
        var host = String(authority)
        var port = 80
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw PluginError.config(key: key, "has an unclosed [ in its host") }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()), (1...65_535).contains(value) else {
                    throw PluginError.config(key: key, "has an invalid port")
                }
                port = value
            } else if !after.isEmpty {
                throw PluginError.config(key: key, "has text after its [host]")
            }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let value = Int(host[host.index(after: colon)...]), (1...65_535).contains(value) else {
                throw PluginError.config(key: key, "has an invalid port")
            }
            port = value
            host = String(host[..<colon])
        }
        guard !host.isEmpty else { throw PluginError.config(key: key, "has no host") }
        guard target.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw PluginError.config(key: key, "must not contain spaces or non-ASCII characters; percent-encode them")
        }
        self.host = host
        self.port = port
        self.target = target
    }

    /// Percent-encodes a placeholder value for a URL: everything but unreserved characters.
    static func percentEncode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
