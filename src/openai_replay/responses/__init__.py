"""What is specific to the Responses API: request validation, the event builder, the protocol rules
(connection cache, `store`, the connection limit) and the fidelity rules checked against the spec."""
