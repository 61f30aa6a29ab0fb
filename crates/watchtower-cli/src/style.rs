//! Colour: only on a terminal (or with `--color always`), and never when NO_COLOR is set
//! (<https://no-color.org>), whatever `--color` says.

use std::io::IsTerminal;

use crate::cli::ColorChoice;

/// ANSI SGR codes used in output.
pub mod codes {
    /// Timestamps.
    pub const TIME: &str = "32";
    /// Stream names.
    pub const STREAM: &str = "36";
    /// The `error:` label.
    pub const ERROR: &str = "1;31";
}

/// Whether to colour one output stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    on: bool,
}

impl Style {
    /// For stdout.
    pub fn stdout(choice: ColorChoice) -> Style {
        Style::decide(choice, std::io::stdout().is_terminal())
    }

    /// For stderr.
    pub fn stderr(choice: ColorChoice) -> Style {
        Style::decide(choice, std::io::stderr().is_terminal())
    }

    fn decide(choice: ColorChoice, is_terminal: bool) -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        Style {
            on: enabled(choice, is_terminal, no_color, dumb),
        }
    }

    /// `text` in colour `code`, or as is.
    pub fn paint(self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// The colour decision, without the environment.
fn enabled(choice: ColorChoice, is_terminal: bool, no_color: bool, dumb: bool) -> bool {
    if no_color {
        return false;
    }
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_terminal && !dumb,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_always_wins() {
        for choice in [ColorChoice::Auto, ColorChoice::Always, ColorChoice::Never] {
            assert!(!enabled(choice, true, true, false));
        }
        assert!(enabled(ColorChoice::Auto, true, false, false));
        assert!(!enabled(ColorChoice::Auto, false, false, false));
        assert!(!enabled(ColorChoice::Auto, true, false, true));
        assert!(enabled(ColorChoice::Always, false, false, false));
        assert!(!enabled(ColorChoice::Never, true, false, false));
        assert_eq!(Style { on: false }.paint(codes::TIME, "x"), "x");
        assert_eq!(Style { on: true }.paint("32", "x"), "\x1b[32mx\x1b[0m");
    }
}
