//! SQL text with numbered parameters (`$1`, `$2`, …), which both backends read, built together
//! with the values bound to them.

use sqlx::Any;

/// Builds SQL with numbered parameters (`$1`, `$2`, …), which both backends read.
#[derive(Default)]
pub(crate) struct Sql {
    pub text: String,
    args: Vec<Arg>,
}

pub(crate) enum Arg {
    Text(String),
    OptText(Option<String>),
    Int(i64),
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql { text: text.into(), args: Vec::new() }
    }

    /// SQL whose placeholders are written already, with their values in order.
    pub fn prepared(text: &str, args: Vec<Arg>) -> Self {
        Sql { text: text.into(), args }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `arg`.
    pub fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }

    /// The bound values, in placeholder order.
    pub fn args(&self) -> &[Arg] {
        &self.args
    }

    pub fn query(&self) -> sqlx::query::Query<'_, Any, sqlx::any::AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for a in &self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.as_str()),
                Arg::OptText(s) => q.bind(s.as_deref()),
                Arg::Int(i) => q.bind(*i),
            };
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_parameters_follow_binds() {
        let mut sql = Sql::new("UPDATE t SET a = ");
        sql.bind(Arg::Int(1)).push(" WHERE b IN (").bind(Arg::Text("x".into())).push(", ").bind(Arg::OptText(None)).push(")");
        assert_eq!(sql.text, "UPDATE t SET a = $1 WHERE b IN ($2, $3)");
    }
}
