// Placeholder: the UDPChatProxy module is being built; this file goes away with its first real source.
