//! The WHERE clauses of the finance tables, pushed onto a `QueryBuilder` of either backend; the
//! pages, totals and exports all filter through these, so they always agree.

/// Pushes the WHERE clause of «Взносы» for policyholder `$ph` and query `$f` onto builder `$q`,
/// within the policies `$scope` allows (from [`crate::policyholders::policy_scope`] on
/// `c.policy_id`; empty for all).
macro_rules! contribution_filter {
    ($q:ident, $ph:expr, $f:expr, $scope:expr) => {
        $q.push(" WHERE c.policyholder_id = ").push_bind($ph);
        $q.push($scope);
        if let Some(from) = $f.from {
            $q.push(" AND c.accrued_on >= ").push_bind(from);
        }
        if let Some(to) = $f.to {
            $q.push(" AND c.accrued_on <= ").push_bind(to);
        }
        if !$f.programmes.is_empty() {
            // By id, so that the totals need no join and the indexes serve the filter.
            $q.push(" AND c.programme_id IN (SELECT id FROM programmes WHERE code IN (");
            let mut s = $q.separated(", ");
            for code in &$f.programmes {
                s.push_bind(code.clone());
            }
            $q.push("))");
        }
    };
}

/// The same for «Начисления», `$scope` on `ch.policy_id` (a charge of no policy is outside any
/// scope narrower than all).
macro_rules! charge_filter {
    ($q:ident, $ph:expr, $f:expr, $scope:expr) => {
        $q.push(" WHERE ch.policyholder_id = ").push_bind($ph);
        $q.push($scope);
        if let Some(from) = $f.from {
            $q.push(" AND ch.charged_on >= ").push_bind(from);
        }
        if let Some(to) = $f.to {
            $q.push(" AND ch.charged_on <= ").push_bind(to);
        }
        if !$f.kinds.is_empty() {
            $q.push(" AND ch.kind IN (");
            let mut s = $q.separated(", ");
            for k in &$f.kinds {
                s.push_bind(k.code());
            }
            $q.push(")");
        }
        if !$f.statuses.is_empty() {
            $q.push(" AND ch.status IN (");
            let mut s = $q.separated(", ");
            for st in &$f.statuses {
                s.push_bind(st.code());
            }
            $q.push(")");
        }
    };
}
