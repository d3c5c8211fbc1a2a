import UDPChatIUT

/// The whole case catalogue.
public enum Catalogue {
    public static func cases(for role: GradedRole) -> [GradeCase] {
        switch role {
        case .server: ServerCases.all
        case .client: ClientCases.all
        case .whole: WholeCases.all
        }
    }
}
