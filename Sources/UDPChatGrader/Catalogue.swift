import UDPChatIUT

/// The whole case catalogue.
public enum Catalogue {
    public static func cases(for role: IUTRole) -> [GradeCase] {
        switch role {
        case .server: ServerCases.all
        case .client: ClientCases.all
        }
    }
}
