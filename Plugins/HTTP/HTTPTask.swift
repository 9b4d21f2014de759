import HousekeeperPlugin

/// Sends one HTTP request: webhooks, health pings, dead-man's-switch check-ins, alerts.
///
/// Config: `url` (`http://` only; required), `method` (default GET, or POST with a body), `headers` (mapping),
/// `body` (text) or `json` (any value, sent as `application/json`), `timeout` (default 30s), `expect_status`
/// (codes or classes such as `2xx`; default `2xx`), `max_body` (the response excerpt kept, default 1KiB, at
/// most 16KiB). `url`, header values, `body` and string values inside `json` may use the run placeholders
/// (`${task}`, `${run_id}`, `${scheduled_at}`, `${error}`, ...); in `url` they are percent-encoded and in
/// `json` they are JSON-escaped, so any error text is safe to send.
struct HTTPTask: HousekeeperTask {
    static let name = "http"
    static let version = "1.0.0"
    static let summary = "Sends one HTTP request (webhooks, health checks, check-ins) and checks the status"

    static let methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    /// Headers the plugin writes itself.
    static let managedHeaders: Set<String> = ["host", "content-length", "connection", "transfer-encoding"]

    let url: String
    let method: String
    let headers: [(name: String, value: String)]
    let body: String?
    let json: JSONValue?
    let timeout: Double
    let expectedStatus: [ClosedRange<Int>]
    let maxBody: Int

    init(config: PluginConfig, context: CreateContext) throws(PluginError) {
        try config.allowOnly(["url", "method", "headers", "body", "json", "timeout", "expect_status", "max_body"])
        url = try config.requiredString("url")
        try RunPlaceholders.validate(url, key: "url")
        _ = try HTTPURL(parsing: try RunPlaceholders(values: [:]).expand(url, key: "url"), key: "url")
        body = try config.string("body")
        if let body { try RunPlaceholders.validate(body, key: "body") }
        json = config["json"]
        if body != nil && json != nil { throw PluginError.config(key: "json", "cannot be used together with body") }
        if let json { try Self.validate(json, key: "json") }
        let methodText = try config.string("method")?.uppercased() ?? (body != nil || json != nil ? "POST" : "GET")
        guard Self.methods.contains(methodText) else {
            throw PluginError.config(key: "method", "must be one of \(Self.methods.joined(separator: ", ")), not \"\(methodText)\"")
        }
        method = methodText
        var headers: [(name: String, value: String)] = []
        for (name, value) in (try config.stringMap("headers") ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }) else {
                throw PluginError.config(key: "headers.\(name)", "is not a valid header name")
            }
            guard !Self.managedHeaders.contains(name.lowercased()) else {
                throw PluginError.config(key: "headers.\(name)", "is set by the plugin and cannot be configured")
            }
            try RunPlaceholders.validate(value, key: "headers.\(name)")
            headers.append((name, value))
        }
        self.headers = headers
        timeout = try config.duration("timeout") ?? 30
        guard timeout > 0 else { throw PluginError.config(key: "timeout", "must be longer than 0") }
        expectedStatus = try Self.statusRanges(config["expect_status"])
        let limit = try config.byteSize("max_body") ?? 1024
        guard (0...16_384).contains(limit) else { throw PluginError.config(key: "max_body", "must be at most 16KiB") }
        maxBody = Int(limit)
    }

    func run(_ context: RunContext) throws(PluginError) {
        let placeholders = RunPlaceholders(context)
        let urlText = try placeholders.expand(url, key: "url", escape: HTTPURL.percentEncode)
        let target = try HTTPURL(parsing: urlText, key: "url")
        var lines = ["\(method) \(target.target) HTTP/1.1", "Host: \(target.hostHeader)",
                     "User-Agent: housekeeper-http/\(Self.version)", "Connection: close"]
        var hasContentType = false
        for (name, template) in headers {
            let value = try placeholders.expand(template, key: "headers.\(name)")
            guard !value.contains("\r") && !value.contains("\n") else {
                throw PluginError(.error, "headers.\(name): a placeholder's value has a line break")
            }
            hasContentType = hasContentType || name.lowercased() == "content-type"
            lines.append("\(name): \(value)")
        }
        var payload: [UInt8] = []
        if let body {
            payload = Array(try placeholders.expand(body, key: "body").utf8)
            if !hasContentType { lines.append("Content-Type: text/plain; charset=utf-8") }
        } else if let json {
            payload = Array(try Self.expand(json, placeholders, key: "json").jsonText.utf8)
            if !hasContentType { lines.append("Content-Type: application/json") }
        }
        if !payload.isEmpty || ["POST", "PUT", "PATCH"].contains(method) { lines.append("Content-Length: \(payload.count)") }
        let request = Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8) + payload

        let started = HTTPExchange.now()
        let exchange = HTTPExchange(url: target, request: request, isHead: method == "HEAD", timeout: timeout,
                                    bodyLimit: maxBody, shouldStop: { context.shouldStop })
        var output: [String: JSONValue] = ["method": .string(method), "url": .string(urlText)]
        let response: HTTPResponse
        do throws(ExchangeFailure) {
            response = try exchange.perform()
        } catch {
            let failure: PluginError
            switch error {
            case .stopped: failure = .cancelled
            case .timedOut(let message), .network(let message): failure = PluginError(.retryable, "\(method) \(urlText): \(message)")
            case .protocolError(let message): failure = PluginError(.error, "\(method) \(urlText): \(message)")
            }
            output["error"] = .string(failure.message)
            context.setOutput(.object(output))
            throw failure
        }
        let excerpt = String(decoding: response.body, as: UTF8.self)
        output["status"] = .number(Double(response.status))
        output["reason"] = .string(response.reason)
        output["body"] = .string(excerpt)
        output["body_truncated"] = .bool(response.bodyTruncated)
        output["duration_ms"] = .number(((HTTPExchange.now() - started) * 1000).rounded())
        context.setOutput(.object(output))
        guard expectedStatus.contains(where: { $0.contains(response.status) }) else {
            let retryable = response.status >= 500 || response.status == 408 || response.status == 429
            let detail = excerpt.isEmpty ? "" : ": " + String(excerpt.prefix(200))
            throw PluginError(retryable ? .retryable : .error,
                              "\(method) \(urlText) returned \(response.status) \(response.reason), expected "
                                + Self.describe(expectedStatus) + detail)
        }
    }

    /// Parses `expect_status`: a code, a class such as `2xx`, or a list of them.
    private static func statusRanges(_ value: JSONValue?) throws(PluginError) -> [ClosedRange<Int>] {
        guard let value else { return [200...299] }
        let items: [JSONValue]
        if case .array(let array) = value { items = array } else { items = [value] }
        var ranges: [ClosedRange<Int>] = []
        for item in items {
            switch item {
            case .number(let number) where number == number.rounded() && (100...999).contains(number):
                ranges.append(Int(number)...Int(number))
            case .string(let text) where text.count == 3 && text.lowercased().hasSuffix("xx"):
                guard let digit = Int(text.prefix(1)), (1...9).contains(digit) else { fallthrough }
                ranges.append(digit * 100...digit * 100 + 99)
            default:
                throw PluginError.config(key: "expect_status", "must be status codes or classes such as 200, 204 or "
                    + "\"2xx\", not \(item.jsonText)")
            }
        }
        guard !ranges.isEmpty else { throw PluginError.config(key: "expect_status", "must not be empty") }
        return ranges
    }

    private static func describe(_ ranges: [ClosedRange<Int>]) -> String {
        ranges.map { $0.count == 100 ? "\($0.lowerBound / 100)xx" : String($0.lowerBound) }.joined(separator: " or ")
    }

    /// Checks the placeholders in every string of a JSON value.
    private static func validate(_ value: JSONValue, key: String) throws(PluginError) {
        _ = try expand(value, RunPlaceholders(values: [:]), key: key)
    }

    /// Expands placeholders in every string (values and keys) of a JSON value.
    private static func expand(_ value: JSONValue, _ placeholders: RunPlaceholders, key: String) throws(PluginError) -> JSONValue {
        switch value {
        case .string(let text):
            return .string(try placeholders.expand(text, key: key))
        case .array(let items):
            var expanded: [JSONValue] = []
            for (index, item) in items.enumerated() { expanded.append(try expand(item, placeholders, key: "\(key)[\(index)]")) }
            return .array(expanded)
        case .object(let members):
            var expanded: [String: JSONValue] = [:]
            for (name, member) in members { expanded[name] = try expand(member, placeholders, key: "\(key).\(name)") }
            return .object(expanded)
        default:
            return value
        }
    }
}
