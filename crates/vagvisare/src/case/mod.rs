//! The case (ärende) model: workflows, commands, events, history.
