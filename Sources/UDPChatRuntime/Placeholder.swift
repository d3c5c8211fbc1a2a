// Placeholder: the UDPChatRuntime module is being built; this file goes away with its first real source.
