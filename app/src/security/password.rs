//! «Сменить пароль» on «Безопасность»: a plain form (it works before the WASM loads too), the
//! policy checked as each new-password field is left, errors by field, passwords never kept.

use super::ChangePassword;
use crate::components::{Field, FormAlert, FormErrors};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub(super) fn PasswordChange(action: ServerAction<ChangePassword>) -> impl IntoView {
    let errors = FormErrors::new();
    // A form posted before the WASM loaded comes back with its error in the URL.
    if let Some(Err(e)) = action.value().get_untracked() {
        errors.show::<()>(&Err(e));
    }
    let old = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let password2 = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(r) = action.value().get() {
            errors.show(&r);
            // Whatever the answer, no password stays typed in the page.
            for field in [old, password, password2] {
                field.set(String::new());
            }
        }
    });
    let check = move |field: &'static str| {
        Callback::new(move |_| {
            let (p, p2) = (password.get_untracked(), password2.get_untracked());
            let result = match field {
                "new_password" if !p.is_empty() => domain::password::check(&p).err(),
                "new_password2" if !p2.is_empty() => domain::password::check_repeat(&p, &p2).err(),
                _ => return,
            };
            errors.set_field(field, result);
        })
    };
    let query = use_query_map();
    let changed = move || query.with(|q| q.get("password").as_deref() == Some("changed"));
    view! {
        <section class="password-change" aria-labelledby="pw-title">
            <h2 id="pw-title">"Сменить пароль"</h2>
            <Show when=changed>
                <div class="alert alert-info" role="status">
                    "Пароль изменён. Все другие сеансы завершены, уведомление отправлено на вашу почту."
                </div>
            </Show>
            <ActionForm action attr:class="form narrow" attr:novalidate=true>
                <FormAlert errors/>
                <Field label="Текущий пароль" name="old_password" kind="password" errors value=old
                    autocomplete="current-password"/>
                <Field label="Новый пароль" name="new_password" kind="password" errors value=password
                    autocomplete="new-password" hint=domain::password::HINT on_blur=check("new_password")/>
                <Field label="Новый пароль ещё раз" name="new_password2" kind="password" errors value=password2
                    autocomplete="new-password" on_blur=check("new_password2")/>
                <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Сохраняем…" } else { "Сменить пароль" }}
                </button>
            </ActionForm>
        </section>
    }
}
