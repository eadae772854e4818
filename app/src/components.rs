//! Building blocks shared by the features' pages: form fields with their error text linked for
//! screen readers, the form-level alert, and formatting helpers.

use crate::error::AppError;
use leptos::prelude::*;

/// Errors of one form: per field, and one for the form as a whole.
#[derive(Clone, Copy)]
pub struct FormErrors {
    fields: RwSignal<Vec<(String, String)>>,
    form: RwSignal<Option<String>>,
}

impl Default for FormErrors {
    fn default() -> Self {
        Self::new()
    }
}

impl FormErrors {
    pub fn new() -> Self {
        Self {
            fields: RwSignal::new(Vec::new()),
            form: RwSignal::new(None),
        }
    }

    /// Shows what a submission answered.
    pub fn show<T>(&self, result: &Result<T, AppError>) {
        match result {
            Ok(_) => {
                self.fields.set(Vec::new());
                self.form.set(None);
            }
            Err(AppError::Fields(f)) => {
                self.fields.set(
                    f.0.iter()
                        .map(|e| (e.field.clone(), e.message.clone()))
                        .collect(),
                );
                self.form.set(Some("Проверьте выделенные поля".into()));
                focus_first_invalid();
            }
            Err(e) => {
                self.fields.set(Vec::new());
                self.form.set(Some(e.to_string()));
            }
        }
    }

    pub fn field(&self, name: &str) -> Option<String> {
        self.fields
            .with(|f| f.iter().find(|(n, _)| n == name).map(|(_, m)| m.clone()))
    }

    pub fn set_field(&self, name: &str, message: Option<String>) {
        self.fields.update(|f| {
            f.retain(|(n, _)| n != name);
            if let Some(m) = message {
                f.push((name.to_string(), m));
            }
        });
        if self.fields.with(Vec::is_empty) {
            self.form.set(None);
        }
    }

    pub fn form(&self) -> Option<String> {
        self.form.get()
    }
}

/// Moves the focus to the first field marked invalid, after the marks are drawn.
fn focus_first_invalid() {
    #[cfg(feature = "hydrate")]
    request_animation_frame(|| {
        use wasm_bindgen::JsCast;
        if let Some(el) = document()
            .query_selector("[aria-invalid='true']")
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
}

/// A labelled input whose error text is announced and linked by `aria-describedby`.
#[component]
pub fn Field(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    errors: FormErrors,
    value: RwSignal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] on_blur: Option<Callback<()>>,
    #[prop(optional)] autofocus: bool,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let has_hint = hint.is_some();
    let field_name = StoredValue::new(name.clone());
    let error = move || field_name.with_value(|n| errors.field(n));
    let described = {
        let err_id = err_id.clone();
        let hint_id = hint_id.clone();
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error().is_some() {
                ids.push(err_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field-invalid=move || error().is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                inputmode=inputmode
                autofocus=autofocus
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    if error().is_some() {
                        field_name.with_value(|n| errors.set_field(n, None));
                    }
                }
                on:blur=move |ev| {
                    // Not when focus moves to a button: a message appearing now would shift the
                    // button under the pointer and swallow the click; the submission checks anyway.
                    if let Some(cb) = on_blur.filter(|_| !focus_goes_to_button(&ev)) {
                        cb.run(());
                    }
                }
                aria-invalid=move || error().is_some().then_some("true")
                aria-describedby=described
            />
            <p class="field-error" id=err_id>{error}</p>
        </div>
    }
}

pub(crate) fn focus_goes_to_button(ev: &web_sys::FocusEvent) -> bool {
    use wasm_bindgen::JsCast;
    ev.related_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| el.tag_name().eq_ignore_ascii_case("button"))
}

/// «Новый пароль» and «ещё раз», each checked as it is left (once something is typed) by the
/// server's own rules.
#[component]
pub fn NewPasswordFields(
    errors: FormErrors,
    password: RwSignal<String>,
    password2: RwSignal<String>,
) -> impl IntoView {
    let check = move |field: &'static str| {
        Callback::new(move |_| {
            let (p, p2) = (password.get_untracked(), password2.get_untracked());
            let result = match field {
                "password" if !p.is_empty() => domain::password::check(&p).err(),
                "password2" if !p2.is_empty() => domain::password::check_repeat(&p, &p2).err(),
                _ => return,
            };
            errors.set_field(field, result);
        })
    };
    view! {
        <Field label="Новый пароль" name="password" kind="password" errors value=password autocomplete="new-password"
            hint=domain::password::HINT on_blur=check("password")/>
        <Field label="Новый пароль ещё раз" name="password2" kind="password" errors value=password2 autocomplete="new-password" on_blur=check("password2")/>
    }
}

/// The form-level message: shown and announced when a submission fails as a whole.
#[component]
pub fn FormAlert(errors: FormErrors) -> impl IntoView {
    view! {
        <div class="form-alert-slot" aria-live="assertive">
            {move || errors.form().map(|m| view! { <div class="alert alert-error" role="alert">{m}</div> })}
        </div>
    }
}

/// An error where a page's data should be: "not found" or a failure, in words.
#[component]
pub fn ErrorBox(error: AppError) -> impl IntoView {
    let (title, text) = match &error {
        AppError::NotFound => (
            "Не найдено",
            "Такой записи нет или у вас нет к ней доступа.".to_string(),
        ),
        AppError::Unauthorized => (
            "Нужно войти",
            "Сеанс завершён. Войдите в кабинет ещё раз.".to_string(),
        ),
        // A bad filter in the address: say which value and what is allowed.
        AppError::Fields(f) if !f.is_empty() => (
            "Проверьте адрес страницы",
            f.0.iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join(". "),
        ),
        other => ("Не удалось загрузить данные", other.to_string()),
    };
    view! {
        <div class="alert alert-error" role="alert">
            <strong>{title}</strong>
            <p>{text}</p>
            {matches!(error, AppError::Unauthorized).then(|| view! { <a href="/login">"Войти"</a> })}
        </div>
    }
}

/// What was dropped from a list's address (a date or page out of range): one line per value,
/// above the list, which is shown without it.
#[component]
pub fn QueryProblems(#[prop(into)] problems: Signal<domain::FieldErrors>) -> impl IntoView {
    move || {
        let p = problems.get();
        (!p.is_empty()).then(|| {
            view! {
                <div class="alert alert-error query-problems" role="alert">
                    {p.0.into_iter().map(|e| view! { <p>{e.message}</p> }).collect_view()}
                </div>
            }
        })
    }
}

pub fn money(m: domain::Money) -> String {
    m.to_string()
}

pub fn date(d: chrono::NaiveDate) -> String {
    domain::dates::format_date(d)
}

/// `path` with a filter's query string (`a=1&b=2`, or empty for none).
pub fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// The address of page `n` of the list at `path` with a filter's query string, for [`Pager`].
pub fn page_link(path: &'static str, query: String) -> impl Fn(i64) -> String + 'static {
    move |n| {
        if query.is_empty() {
            format!("{path}?page={n}")
        } else {
            format!("{path}?{query}&page={n}")
        }
    }
}

/// The pager under every paged table: «Строки 21–40 из 173», «Страница 2 из 9» and links to the
/// pages before and after. `href` makes the address of page `n` with the table's other filters.
/// A page past the last (an old link, fewer rows since) says so and links to the last page.
#[component]
pub fn Pager(
    /// The page shown (from 1).
    page: i64,
    per_page: i64,
    /// Rows in the whole filtered set.
    total: i64,
    href: impl Fn(i64) -> String + 'static,
) -> impl IntoView {
    let per_page = per_page.max(1);
    let page = page.max(1);
    let pages = (total.max(0).saturating_add(per_page - 1) / per_page).max(1);
    let first = (page - 1).saturating_mul(per_page).saturating_add(1);
    let last = page.saturating_mul(per_page).min(total);
    let beyond = total > 0 && first > total;
    let prev = if beyond {
        Some((href(pages), "‹ К последней странице"))
    } else {
        (page > 1).then(|| (href(page - 1), "‹ Назад"))
    };
    let next = (page < pages).then(|| href(page + 1));
    view! {
        <nav class="pager" aria-label="Страницы таблицы">
            <span class="pager-info" role="status">
                {if total == 0 {
                    "Нет строк".to_string()
                } else if beyond {
                    format!("Страницы {page} нет: строк {total}, страниц {pages}")
                } else {
                    format!("Строки {first}–{last} из {total}")
                }}
            </span>
            {prev.map(|(h, label)| view! { <a class="btn" href=h rel="prev">{label}</a> })}
            {(!beyond).then(|| view! { <span class="pager-page">{format!("Страница {page} из {pages}")}</span> })}
            {next.map(|h| view! { <a class="btn" href=h rel="next">"Вперёд ›"</a> })}
        </nav>
    }
}
