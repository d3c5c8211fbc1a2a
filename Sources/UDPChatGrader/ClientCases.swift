enum ClientCases {
    static let all: [GradeCase] = []
}
