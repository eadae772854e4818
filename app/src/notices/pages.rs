//! The notices page and the header link with the unread count.

use super::{ReadNotices, list_notices, unread_notices};
use crate::AuthEpoch;
use crate::components::{ErrorBox, QueryProblems};
use crate::live::Live;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// «Уведомления» in the navigation, with the unread count; it changes live. The count is fetched
/// in the browser only (after hydration and on every notice event), into a node that is always
/// there, so the header hydrates the same whenever the answer comes.
#[component]
pub fn NoticesLink() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let live = expect_context::<Live>();
    let unread = RwSignal::new(0i64);
    Effect::new(move |_| {
        epoch.get();
        live.notices.get();
        leptos::task::spawn_local(async move {
            if let Ok(n) = unread_notices().await {
                unread.set(n);
            }
        });
    });
    view! {
        <A href="/notices">
            "Уведомления"
            <span
                class=move || { if unread.get() > 0 { "count" } else { "count off" } }
                aria-label=move || format!("непрочитанных: {}", unread.get())
                prop:textContent=move || unread.get().to_string()
            ></span>
        </A>
    }
}

#[component]
pub fn NoticesPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let live = expect_context::<Live>();
    let query = use_query_map();
    let parsed =
        Memo::new(move |_| query.with(|q| domain::query::opt_page(q.get("page").as_deref())));
    let page = Memo::new(move |_| i64::from(parsed.get().unwrap_or(1)));
    let problems =
        Signal::derive(move || domain::FieldErrors(parsed.get().err().into_iter().collect()));
    let read = ServerAction::<ReadNotices>::new();
    let data = crate::codec::resource(
        move || {
            (
                epoch.get(),
                live.notices.get(),
                read.version().get(),
                page.get(),
            )
        },
        |(_, _, _, p)| list_notices(p),
    );
    view! {
        <Title text="Уведомления — Кабинет страхователя"/>
        <h1>"Уведомления"</h1>
        <QueryProblems problems/>
        <Transition fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(v) if v.items.is_empty() && v.page == 1 => view! {
                    <p class="empty">"Уведомлений пока нет. Здесь появятся напоминания о взносах и новости по вашим обращениям."</p>
                }.into_any(),
                Ok(v) => view! {
                    {(v.unread > 0).then(|| view! {
                        <ActionForm action=read attr:class="inline-form">
                            <button type="submit" class="btn">{format!("Отметить прочитанными ({})", v.unread)}</button>
                        </ActionForm>
                    })}
                    <ul class="notices">
                        {v.items.into_iter().map(|n| {
                            let unread = n.read_at.is_none();
                            view! {
                                <li class="notice" class:unread=unread>
                                    <p class="notice-head">
                                        <strong>{n.title.clone()}</strong>
                                        {unread.then(|| view! { " " <span class="badge badge-warn">"новое"</span> })}
                                    </p>
                                    <p>{n.body.clone()}</p>
                                    <p class="muted">
                                        {domain::dates::format_datetime(n.created_at)}
                                        {(!n.link.is_empty()).then(|| view! { " · " <a href=n.link.clone()>"Открыть"</a> })}
                                    </p>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <nav class="pager" aria-label="Страницы уведомлений">
                        {(v.page > 1).then(|| view! { <a class="btn" href=format!("/notices?page={}", v.page - 1)>"← Новее"</a> })}
                        {v.has_next.then(|| view! { <a class="btn" href=format!("/notices?page={}", v.page + 1)>"Старее →"</a> })}
                    </nav>
                }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Transition>
    }
}
