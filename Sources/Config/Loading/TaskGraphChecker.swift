/// Checks the references between tasks (`after`, `on_failure`, `on_success`): every name must be a task, a task
/// may not name itself, and the trigger graph may not have a cycle (a cycle would run tasks forever).
struct TaskGraphChecker {
    let tasks: [TaskDraft]

    /// Records an error for every unknown or self reference and for each cycle, naming the cycle.
    func check(diagnostics: inout DiagnosticCollector) {
        // Most files have no links at all: then there is nothing to check (and no set of every name to build).
        guard tasks.contains(where: { !$0.after.isEmpty || !$0.onFailure.isEmpty || !$0.onSuccess.isEmpty }) else {
            return
        }
        let names = tasks.compactMap { $0.name?.value }
        let known = Set(names)
        // Edges point from the task whose run ends to the task it triggers.
        var edges: [String: [String]] = [:]
        for task in tasks {
            guard let name = task.name?.value else { continue }
            let references: [(key: String, target: Located<String>, from: String, to: String)] =
                task.after.map { ("after", $0, $0.value, name) }
                + task.onFailure.map { ("on_failure", $0, name, $0.value) }
                + task.onSuccess.map { ("on_success", $0, name, $0.value) }
            for reference in references {
                let target = reference.target.value
                if target == name {
                    diagnostics.error(
                        "\"\(reference.key)\" in \(task.label) names the task itself; a task cannot trigger itself",
                        at: reference.target.mark)
                } else if !known.contains(target) {
                    var message = "\"\(reference.key)\" in \(task.label) names an unknown task \"\(target)\""
                    if let suggestion = KeySuggester.suggestion(for: target, among: names) {
                        message += "; did you mean \"\(suggestion)\"?"
                    }
                    diagnostics.error(message, at: reference.target.mark)
                } else {
                    edges[reference.from, default: []].append(reference.to)
                }
            }
        }
        for cycle in cycles(in: edges, order: names) {
            let task = tasks.first { $0.name?.value == cycle[0] }!
            diagnostics.error(
                "dependency cycle: \(cycle.joined(separator: " -> ")) -> \(cycle[0]); "
                    + "remove one of these after/on_failure/on_success links", at: task.mark)
        }
    }

    /// Every elementary cycle found by a depth-first search, each reported once (from its first task in file order).
    private func cycles(in edges: [String: [String]], order: [String]) -> [[String]] {
        var state: [String: Int] = [:]  // 1 = on the stack, 2 = done
        var stack: [String] = []
        var found: [[String]] = []
        func visit(_ node: String) {
            state[node] = 1
            stack.append(node)
            for next in edges[node] ?? [] {
                if state[next] == 1, let start = stack.firstIndex(of: next) {
                    found.append(Array(stack[start...]))
                } else if state[next] == nil {
                    visit(next)
                }
            }
            stack.removeLast()
            state[node] = 2
        }
        // A task that triggers nothing is in no cycle: the search starts only from tasks with edges.
        for node in order where edges[node] != nil && state[node] == nil { visit(node) }
        return found
    }
}
