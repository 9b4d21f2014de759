import Foundation
import HousekeeperPlugin
import Testing
@testable import PluginHost

/// The `http` plugin against a real HTTP server on 127.0.0.1 started by each test.
@Suite struct HTTPPluginTests {
    let harness: PluginHarness

    init() throws {
        harness = try PluginHarness("libHTTPPlugin.so", name: "http")
    }

    static func ok(_ body: String = "ok", status: String = "200 OK") -> TestHTTPServer.Reply {
        .raw("HTTP/1.1 \(status)\r\nContent-Length: \(body.utf8.count)\r\nContent-Type: text/plain\r\n\r\n\(body)")
    }

    @Test func anAlertPostsJSONWithThePlaceholdersOfTheFailedRunEscaped() throws {
        let server = try TestHTTPServer([Self.ok("accepted")])
        let config = #"""
            {"url": "\#(server.url("/hooks/${task}?run=${run_id}"))",
             "headers": {"Authorization": "Bearer abc", "X-Alert-From": "${this_task}"},
             "json": {"text": "${task} failed: ${error}", "at": "${scheduled_at}", "count": 1}}
            """#
        let context = #"{"cause": {"task": "nightly backup", "status": "failed", "run_id": 7, "error": "disk \"full\"\nreally"}}"#
        let result = try harness.runOnce(config, request: PluginHarness.request(task: "alert", contextJSON: context))
        #expect(result.status == .ok, "\(result.message)")
        let request = try #require(server.requests.first)
        #expect(request.requestLine == "POST /hooks/nightly%20backup?run=7 HTTP/1.1")
        #expect(request.header("Authorization") == "Bearer abc")
        #expect(request.header("X-Alert-From") == "alert")
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.header("Host") == "127.0.0.1:\(server.port)")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
        #expect(body["text"] as? String == "nightly backup failed: disk \"full\"\nreally")
        #expect(body["at"] as? String == "2026-11-23T12:30:00Z")
        #expect(body["count"] as? Int == 1)
        let output = try outputObject(result)
        #expect(output["status"] as? Int == 200)
        #expect(output["body"] as? String == "accepted")
        #expect(output["method"] as? String == "POST")
    }

    @Test func aPlainBodyIsSentAsText() throws {
        let server = try TestHTTPServer([Self.ok()])
        let result = try harness.runOnce(#"{"url": "\#(server.url("/ping"))", "method": "put", "body": "run ${this_run_id}"}"#)
        #expect(result.status == .ok, "\(result.message)")
        let request = try #require(server.requests.first)
        #expect(request.requestLine == "PUT /ping HTTP/1.1")
        #expect(request.body == "run 42")
        #expect(request.header("Content-Type") == "text/plain; charset=utf-8")
    }

    @Test func aServerErrorIsRetryableAndAClientErrorIsNot() throws {
        let server = try TestHTTPServer([Self.ok("down", status: "503 Service Unavailable"),
                                         Self.ok("no", status: "404 Not Found"), Self.ok("", status: "404 Not Found")])
        let url = server.url("/health")
        var result = try harness.runOnce(#"{"url": "\#(url)"}"#)
        #expect(result.status == .retryable)
        #expect(result.message == "GET \(url) returned 503 Service Unavailable, expected 2xx: down")
        result = try harness.runOnce(#"{"url": "\#(url)"}"#)
        #expect(result.status == .error)
        result = try harness.runOnce(#"{"url": "\#(url)", "expect_status": [200, 404]}"#)
        #expect(result.status == .ok)
        #expect(try outputObject(result)["status"] as? Int == 404)
    }

    @Test func aChunkedBodyIsDecodedAndTheExcerptBounded() throws {
        let chunk = String(repeating: "a", count: 3000)
        let hex = String(3000, radix: 16)
        let server = try TestHTTPServer([.raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5\r\nhello\r\n\(hex)\r\n\(chunk)\r\n0\r\n\r\n")])
        let result = try harness.runOnce(#"{"url": "\#(server.url("/"))", "max_body": 100}"#)
        #expect(result.status == .ok, "\(result.message)")
        let output = try outputObject(result)
        #expect(output["body"] as? String == "hello" + String(repeating: "a", count: 95))
        #expect(output["body_truncated"] as? Bool == true)
    }

    @Test func aResponseIsCompleteAtItsContentLengthEvenIfTheServerKeepsTheConnection() throws {
        let server = try TestHTTPServer([.rawThenHold("HTTP/1.1 204 No Content\r\n\r\n"),
                                         .rawThenHold("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")])
        // A reader that waited for the connection to close would run into the timeout and fail retryably.
        var result = try harness.runOnce(#"{"url": "\#(server.url("/a"))", "timeout": "10s"}"#)
        #expect(result.status == .ok, "\(result.message)")
        #expect(try outputObject(result)["status"] as? Int == 204)
        result = try harness.runOnce(#"{"url": "\#(server.url("/b"))", "timeout": "10s"}"#)
        #expect(result.status == .ok, "\(result.message)")
        #expect(try outputObject(result)["body"] as? String == "hello")
    }

    @Test func aRefusedConnectionIsRetryable() throws {
        let server = try TestHTTPServer([])
        let url = server.url("/")
        server.stop()
        let result = try harness.runOnce(#"{"url": "\#(url)"}"#)
        #expect(result.status == .retryable)
        #expect(result.message == "GET \(url): cannot connect to 127.0.0.1:\(server.port): Connection refused")
        #expect(try outputObject(result)["error"] as? String == result.message)
    }

    @Test func aServerThatNeverAnswersTimesOut() throws {
        let server = try TestHTTPServer([.hold])
        let result = try harness.runOnce(#"{"url": "\#(server.url("/slow"))", "timeout": "100ms"}"#)
        #expect(result.status == .retryable)
        #expect(result.message.hasSuffix("timed out after 100ms waiting for the response"), "\(result.message)")
    }

    @Test func aStopRequestEndsTheWaitForAResponse() throws {
        let server = try TestHTTPServer([.hold])
        let instance = try harness.instance(#"{"url": "\#(server.url("/slow"))", "timeout": "1h"}"#)
        defer { instance.destroy() }
        let control = RunControl()
        let box = ResultBox()
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            box.set(instance.run(PluginHarness.request(), control: control, logger: .quiet))
            finished.signal()
        }
        server.received.wait()  // the request arrived: the plugin is waiting for the response
        control.requestStop()
        finished.wait()
        #expect(box.get()?.status == .cancelled)
    }

    @Test func aResponseThatIsNotHTTPIsAnError() throws {
        let server = try TestHTTPServer([.raw("SSH-2.0-OpenSSH_9.2\r\n\r\n")])
        let result = try harness.runOnce(#"{"url": "\#(server.url("/"))"}"#)
        #expect(result.status == .error)
        #expect(result.message.hasSuffix(#"not an HTTP/1.x response: "SSH-2.0-OpenSSH_9.2""#), "\(result.message)")
    }

    @Test(arguments: [
        (#"{}"#, "url: required key is missing"),
        (#"{"url": "https://example.com/"}"#, "url: https:// is not supported"),
        (#"{"url": "ftp://example.com/"}"#, "url: must start with http://"),
        (#"{"url": "http://user:pw@example.com/"}"#, "url: must not carry credentials"),
        (#"{"url": "http://example.com:99999/"}"#, "url: has an invalid port"),
        (#"{"url": "http://example.com/${nope}"}"#, "url: unknown placeholder ${nope}"),
        (#"{"url": "http://x/", "method": "FETCH"}"#, "method: must be one of GET, HEAD, POST"),
        (#"{"url": "http://x/", "body": "a", "json": {}}"#, "json: cannot be used together with body"),
        (#"{"url": "http://x/", "json": {"a": ["${oops}"]}}"#, "json.a[0]: unknown placeholder ${oops}"),
        (#"{"url": "http://x/", "headers": {"Host": "y"}}"#, "headers.Host: is set by the plugin"),
        (#"{"url": "http://x/", "headers": {"Bad Name": "y"}}"#, "headers.Bad Name: is not a valid header name"),
        (#"{"url": "http://x/", "expect_status": ["ok"]}"#, "expect_status: must be status codes or classes"),
        (#"{"url": "http://x/", "timeout": "0s"}"#, "timeout: must be longer than 0"),
        (#"{"url": "http://x/", "max_body": "1MiB"}"#, "max_body: must be at most 16KiB"),
        (#"{"url": "http://x/", "verify": false}"#, "verify: unknown key"),
    ])
    func badConfigIsRefusedAtCreateNamingTheKey(config: String, message: String) throws {
        let failure = try #require(harness.createFailure(config), "accepted \(config)")
        #expect(failure.status == .configError)
        #expect(failure.message.hasPrefix(message), "\(failure.message)")
    }
}
