import Cron
import Testing

/// One invalid expression and where its error must point.
struct ErrorCase: Sendable, CustomTestStringConvertible {
    var expression: String
    var field: String?
    var token: String
    var column: Int
    /// A fragment the message must contain.
    var says: String
    var testDescription: String { expression }
}

@Suite struct CronErrorTests {
    static let cases: [ErrorCase] = [
        ErrorCase(expression: "0 12 * * 8", field: "day-of-week", token: "8", column: 9,
            says: "invalid day-of-week \"8\" (expected 0-7 or SUN-SAT)"),
        ErrorCase(expression: "60 * * * *", field: "minute", token: "60", column: 0, says: "expected 0-59"),
        ErrorCase(expression: "0 24 * * *", field: "hour", token: "24", column: 2, says: "expected 0-23"),
        ErrorCase(expression: "0 0 0 * *", field: "day-of-month", token: "0", column: 4, says: "expected 1-31"),
        ErrorCase(expression: "0 0 32 * *", field: "day-of-month", token: "32", column: 4, says: "expected 1-31"),
        ErrorCase(expression: "0 0 * 13 *", field: "month", token: "13", column: 6, says: "1-12 or JAN-DEC"),
        ErrorCase(expression: "0 0 * FOO *", field: "month", token: "FOO", column: 6, says: "invalid month"),
        ErrorCase(expression: "0 0 * * 1-8", field: "day-of-week", token: "8", column: 10, says: "0-7 or SUN-SAT"),
        ErrorCase(expression: "61 0 0 * * *", field: "second", token: "61", column: 0, says: "expected 0-59"),
        ErrorCase(expression: "0 0 0 * * * 1969", field: "year", token: "1969", column: 12, says: "1970-2199"),
        ErrorCase(expression: "0 0 0 * * * 2200", field: "year", token: "2200", column: 12, says: "1970-2199"),
        ErrorCase(expression: "50-10 * * * *", field: "minute", token: "50-10", column: 0, says: "do not wrap"),
        ErrorCase(expression: "0/15 * * * *", field: "minute", token: "0/15", column: 0, says: "0-59/15"),
        ErrorCase(expression: "/30 * * * *", field: "minute", token: "/30", column: 0, says: "0-59/30"),
        ErrorCase(expression: "10/10 * * * *", field: "minute", token: "10/10", column: 0, says: "10-59/10"),
        ErrorCase(expression: "*/0 * * * *", field: "minute", token: "*/0", column: 0, says: "at least 1"),
        ErrorCase(expression: "*/ * * * *", field: "minute", token: "*/", column: 0, says: "invalid step"),
        ErrorCase(expression: "*/x * * * *", field: "minute", token: "x", column: 2, says: "invalid step"),
        ErrorCase(expression: "*/61 * * * *", field: "minute", token: "*/61", column: 0, says: "larger than"),
        ErrorCase(expression: "1,,2 * * * *", field: "minute", token: ",", column: 2, says: "empty item"),
        ErrorCase(expression: "1, * * * *", field: "minute", token: ",", column: 1, says: "empty item"),
        ErrorCase(expression: "? * * * *", field: "minute", token: "?", column: 0, says: "only allowed in day"),
        ErrorCase(expression: "0 0 ?/2 * *", field: "day-of-month", token: "?", column: 4, says: "no step"),
        ErrorCase(expression: "0 0 1-15W * *", field: "day-of-month", token: "1-15W", column: 4, says: "single day"),
        ErrorCase(expression: "0 0 15w * *", field: "day-of-month", token: "15w", column: 4, says: "upper-case"),
        ErrorCase(expression: "0 0 l * *", field: "day-of-month", token: "l", column: 4, says: "upper-case"),
        ErrorCase(expression: "0 0 L-31 * *", field: "day-of-month", token: "L-31", column: 4, says: "L-30"),
        ErrorCase(expression: "0 0 32W * *", field: "day-of-month", token: "32", column: 4, says: "1-31"),
        ErrorCase(expression: "0 0 * * 1#6", field: "day-of-week", token: "6", column: 10, says: "n#5"),
        ErrorCase(expression: "0 0 * * 1#0", field: "day-of-week", token: "0", column: 10, says: "n#1"),
        ErrorCase(expression: "0 0 * * 8#1", field: "day-of-week", token: "8", column: 8, says: "0-7 or SUN-SAT"),
        ErrorCase(expression: "0 0 * * L", field: "day-of-week", token: "L", column: 8, says: "5L"),
        ErrorCase(expression: "0 0 * * 1-5L", field: "day-of-week", token: "1-5L", column: 8, says: "single weekday"),
        ErrorCase(expression: "0 0 * * 5l", field: "day-of-week", token: "5l", column: 8, says: "upper-case"),
        ErrorCase(expression: "0 0 +1 * *", field: "day-of-month", token: "+", column: 4, says: "only allowed on day-of-week"),
        ErrorCase(expression: "0 0 * * +", field: "day-of-week", token: "+", column: 8, says: "needs a day-of-week"),
        ErrorCase(expression: "H(5) * * * *", field: "minute", token: "H(5)", column: 0, says: "H(A-B)"),
        ErrorCase(expression: "H(50-10) * * * *", field: "minute", token: "50-10", column: 2, says: "do not wrap"),
        ErrorCase(expression: "H(0-99) * * * *", field: "minute", token: "99", column: 4, says: "0-59"),
        ErrorCase(expression: "h * * * *", field: "minute", token: "h", column: 0, says: "invalid minute"),
        ErrorCase(expression: "-5 * * * *", field: "minute", token: "-5", column: 0, says: "invalid minute"),
        ErrorCase(expression: "5- * * * *", field: "minute", token: "5-", column: 0, says: "invalid minute"),
        ErrorCase(expression: "* * * *", field: nil, token: "* * * *", column: 0, says: "expected 5, 6 or 7 fields"),
        ErrorCase(expression: "* * * * * * * *", field: nil, token: "* * * * * * * *", column: 0, says: "(found 8)"),
        ErrorCase(expression: "   ", field: nil, token: "", column: 0, says: "empty cron expression"),
        ErrorCase(expression: "@DAILY", field: nil, token: "@DAILY", column: 0, says: "unknown nickname"),
        ErrorCase(expression: "@every 5m", field: nil, token: "5m", column: 7, says: "stands alone"),
        ErrorCase(expression: "@fortnightly", field: nil, token: "@fortnightly", column: 0, says: "@hourly"),
    ]

    @Test("invalid forms are rejected naming field, token and column", arguments: cases)
    func rejects(_ row: ErrorCase) {
        #expect(throws: CronError.self) { try CronExpression.parse(row.expression) }
        do {
            _ = try CronExpression.parse(row.expression)
        } catch {
            #expect(error.field == row.field)
            #expect(error.token == row.token)
            #expect(error.column == row.column)
            #expect(error.message.contains(row.says), "message was: \(error.message)")
        }
    }

    @Test func renderPutsACaretUnderTheToken() {
        let error = CronError(field: "day-of-week", token: "8", column: 9,
            message: "invalid day-of-week \"8\" (expected 0-7 or SUN-SAT)")
        #expect(error.render(expression: "0 12 * * 8") == """
            invalid day-of-week "8" (expected 0-7 or SUN-SAT)
              0 12 * * 8
                       ^
            """)
    }

    @Test func renderUnderlinesTheWholeToken() throws {
        do {
            _ = try CronExpression.parse("0 0 * * MON-XYZ")
            Issue.record("parsed an invalid expression")
        } catch {
            #expect(error.render(expression: "0 0 * * MON-XYZ").hasSuffix("\n              ^^^"))
        }
    }

    @Test func columnsCountCharactersNotBytes() {
        do {
            _ = try CronExpression.parse("é * * * *")
            Issue.record("parsed an invalid expression")
        } catch {
            #expect(error.column == 0)
            #expect(error.token == "é")
        }
        do {
            _ = try CronExpression.parse("0 0 * * *\u{00A0}ü")
        } catch {
            #expect(error.field != nil || error.message.contains("fields"))
        }
    }

    @Test(arguments: [
        "0 0 * * SUN-SAT", "0 0 * * 0-7", "0 0 1-31 1-12 *", "0-59/15 * * * *", "0 0 * * MON-FRI/2",
        "0 0 L * *", "0 0 L-3 * *", "0 0 LW * *", "0 0 15W * *", "0 0 * * 5L", "0 0 * * FRIL", "0 0 * * 1#1",
        "0 0 * * MON#5", "0 0 * * 5#L", "0 0 1,L,15W * *", "H H * * *", "H(0-29)/10 H(2-3) * * *", "H/15 * * * *",
        "0 0 H * *", "0 0 * * H", "\t0\t0 * *\t* ", "0 0 ? * ?", "0 0 * JAN-MAR/2 *",
    ])
    func accepts(_ text: String) throws {
        _ = try CronExpression.parse(text, seed: "task")
    }
}
