import { Link, NavLink, Outlet, useNavigate } from 'react-router-dom';
import { Suspense } from 'react';
import { useAuth } from '../auth/AuthContext';
import { useI18n } from '../i18n';
import { Spinner } from './ui';

export function Layout() {
  const { t, lang, setLang } = useI18n();
  const { user, logout } = useAuth();
  const navigate = useNavigate();
  const role = user?.role;
  return (
    <>
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          <span aria-hidden="true" className="brand-mark">T</span> Tiket
        </Link>
        <nav aria-label={t('nav.label')}>
          <ul>
            <li>
              <NavLink to="/" end>
                {t('nav.concerts')}
              </NavLink>
            </li>
            {user && (
              <li>
                <NavLink to="/bookings">{t('nav.bookings')}</NavLink>
              </li>
            )}
            {(role === 'organizer' || role === 'admin') && (
              <li>
                <NavLink to="/organizer">{t('nav.organizer')}</NavLink>
              </li>
            )}
            {role === 'admin' && (
              <li>
                <NavLink to="/admin">{t('nav.admin')}</NavLink>
              </li>
            )}
          </ul>
        </nav>
        <div className="header-actions">
          <button
            type="button"
            className="link-button"
            lang={lang === 'id' ? 'en' : 'id'}
            onClick={() => setLang(lang === 'id' ? 'en' : 'id')}
          >
            {t('nav.switchLanguage')}
          </button>
          {user ? (
            <>
              <span className="who" data-testid="who">{user.name}</span>
              <button
                type="button"
                className="link-button"
                onClick={async () => {
                  await logout();
                  navigate('/');
                }}
              >
                {t('nav.logout')}
              </button>
            </>
          ) : (
            <NavLink to="/login">{t('nav.login')}</NavLink>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Spinner />}>
          <Outlet />
        </Suspense>
      </main>
      <footer className="site-footer">
        <small>{t('footer.note')}</small>
      </footer>
    </>
  );
}
