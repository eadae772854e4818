use super::{EndOtherSessions, EndSession, list_sessions, security_journal};
use crate::AuthEpoch;
use crate::components::{ErrorBox, FormAlert, FormErrors};
use domain::dates::format_datetime;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SecurityPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let end_one = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let errors = FormErrors::new();
    Effect::new(move |_| {
        if let Some(r) = end_one.value().get() {
            errors.show(&r);
        }
    });
    let sessions = Resource::new(
        move || {
            (
                epoch.get(),
                end_one.version().get(),
                end_others.version().get(),
            )
        },
        |_| list_sessions(),
    );
    let query = use_query_map();
    let page = Memo::new(move |_| {
        query.with(|q| {
            q.get("page")
                .and_then(|p| p.parse::<u32>().ok())
                .unwrap_or(1)
                .max(1)
        })
    });
    let journal = Resource::new(
        move || {
            (
                epoch.get(),
                page.get(),
                end_one.version().get(),
                end_others.version().get(),
            )
        },
        |(_, p, _, _)| security_journal(p),
    );
    view! {
        <Title text="Безопасность — Кабинет страхователя"/>
        <h1>"Безопасность"</h1>
        <h2 id="sessions-title">"Активные сеансы"</h2>
        <FormAlert errors/>
        <Transition fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> }>
            {move || sessions.get().map(|r| match r {
                Ok(list) => {
                    let others = list.iter().filter(|s| !s.current).count();
                    view! {
                        <ul class="sessions" aria-labelledby="sessions-title">
                            {list.into_iter().map(|s| {
                                let id = s.id.clone();
                                view! {
                                    <li class="session" class:current=s.current>
                                        <div>
                                            <strong>{s.device.clone()}</strong>
                                            {s.current.then(|| view! { <span class="badge badge-ok">"Этот сеанс"</span> })}
                                            <p class="muted">{format!("IP {} · вход {} · активность {}", s.ip, format_datetime(s.created_at), format_datetime(s.last_seen_at))}</p>
                                        </div>
                                        {(!s.current).then(|| view! {
                                            <button type="button" class="btn" disabled=move || end_one.pending().get()
                                                on:click=move |_| { end_one.dispatch(EndSession { id: id.clone() }); }>
                                                "Завершить"
                                            </button>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {(others > 0).then(|| view! {
                            <button type="button" class="btn" disabled=move || end_others.pending().get()
                                on:click=move |_| { end_others.dispatch(EndOtherSessions {}); }>
                                "Завершить все другие сеансы"
                            </button>
                        })}
                    }.into_any()
                }
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Transition>
        <h2>"Журнал безопасности"</h2>
        <Transition fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> }>
            {move || journal.get().map(|r| match r {
                Ok(j) => view! {
                    <div class="table-wrap">
                        <table class="table table-cards">
                            <caption class="sr-only">"Журнал безопасности, новые записи сверху"</caption>
                            <thead><tr>
                                <th scope="col">"Когда"</th>
                                <th scope="col">"Событие"</th>
                                <th scope="col">"IP-адрес"</th>
                            </tr></thead>
                            <tbody>
                                {j.items.iter().map(|i| view! {
                                    <tr>
                                        <td data-label="Когда">{format_datetime(i.at)}</td>
                                        <td data-label="Событие">{i.action.clone()}</td>
                                        <td data-label="IP-адрес">{i.ip.clone()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <nav class="pager" aria-label="Страницы журнала">
                        {(j.page > 1).then(|| view! { <a class="btn" rel="prev" href=format!("/security?page={}", j.page - 1)>"‹ Новее"</a> })}
                        <span class="pager-page">{format!("Страница {}", j.page)}</span>
                        {j.has_next.then(|| view! { <a class="btn" rel="next" href=format!("/security?page={}", j.page + 1)>"Старее ›"</a> })}
                    </nav>
                }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Transition>
    }
}
