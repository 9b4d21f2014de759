/// The state machine's tasks by name: their states in one array, found through a name index.
///
/// A dictionary of states was a hash table with room for a third more tasks than it held, rounded up to a power
/// of two: at 100,000 tasks, 262,144 slots of 72 bytes (19 MB). Here the hash table holds 4-byte positions, and
/// the scheduler passes in its generation's own index (it installs the generation's tasks in their order), so a
/// daemon keeps one name index for both.
struct TaskTable {
    typealias State = SchedulerStateMachine.TaskState

    /// Each task's position in `states`.
    private(set) var index: [String: Int32]
    /// The states; nil marks a position whose task was taken out (tasks normally leave only by `install`, which
    /// builds a new table).
    private var states: [State?]

    /// An empty table.
    init() {
        index = [:]
        states = []
    }

    /// A table holding `states`; `index` gives each name's position in it.
    init(states: [State?], index: [String: Int32]) {
        self.states = states
        self.index = index
    }

    /// Room for `count` tasks without growing.
    mutating func reserveCapacity(_ count: Int) {
        index.reserveCapacity(count)
        states.reserveCapacity(count)
    }

    /// The names of the tasks in the table.
    var names: [String] { index.compactMap { name, position in states[Int(position)] == nil ? nil : name } }

    /// A task's state, read or changed in place; assigning a state to a new name adds the task.
    subscript(name: String) -> State? {
        get { index[name].flatMap { states[Int($0)] } }
        _modify {
            if let position = index[name] {
                yield &states[Int(position)]
            } else {
                var added: State?
                yield &added
                if let added {
                    index[name] = Int32(states.count)
                    states.append(added)
                }
            }
        }
    }
}
