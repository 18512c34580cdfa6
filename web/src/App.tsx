// Routes. Every page is its own lazy chunk (the concert list too, so the first screen loads only
// what it shows); the organizer's and the admin's pages are two more chunks that customers
// never download. Each route has its own error element: a failing page leaves the header and
// the other pages working.
import { createBrowserRouter, RouterProvider, type RouteObject } from 'react-router-dom';
import { Layout } from './components/Layout';
import { NotFound, RequireAuth, RouteError } from './components/ui';

const page = (load: () => Promise<{ default: React.ComponentType }>) => async () => {
  const m = await load();
  return { Component: m.default };
};

const guarded =
  (roles: ('admin' | 'organizer' | 'customer')[] | undefined, load: () => Promise<React.ComponentType>) =>
  async () => {
    const Page = await load();
    return {
      Component: () => (
        <RequireAuth roles={roles}>
          <Page />
        </RequireAuth>
      ),
    };
  };

const organizer = () => import('./organizer');
const admin = () => import('./admin');

export const routes: RouteObject[] = [
  {
    element: <Layout />,
    errorElement: <RouteError />,
    children: [
      { index: true, lazy: page(() => import('./pages/ConcertList')), errorElement: <RouteError /> },
      { path: 'concerts/:id', lazy: page(() => import('./pages/ConcertPage')), errorElement: <RouteError /> },
      { path: 'login', lazy: page(() => import('./pages/Login')), errorElement: <RouteError /> },
      { path: 'register', lazy: page(() => import('./pages/Register')), errorElement: <RouteError /> },
      {
        path: 'bookings',
        lazy: guarded(undefined, async () => (await import('./pages/MyBookings')).default),
        errorElement: <RouteError />,
      },
      {
        path: 'bookings/:code',
        lazy: guarded(undefined, async () => (await import('./pages/BookingPage')).default),
        errorElement: <RouteError />,
      },
      { path: 'payment/finish', lazy: page(() => import('./pages/PaymentFinish')), errorElement: <RouteError /> },
      {
        path: 'organizer',
        errorElement: <RouteError />,
        children: [
          { index: true, lazy: guarded(['organizer', 'admin'], async () => (await organizer()).OrganizerConcerts) },
          { path: 'concerts/new', lazy: guarded(['organizer', 'admin'], async () => (await organizer()).ConcertEditor) },
          { path: 'concerts/:id', lazy: guarded(['organizer', 'admin'], async () => (await organizer()).ConcertEditor) },
          { path: 'check-in', lazy: guarded(['organizer', 'admin'], async () => (await organizer()).CheckIn) },
          { path: 'stock', lazy: guarded(['organizer', 'admin'], async () => (await organizer()).StockReport) },
        ],
      },
      {
        path: 'admin',
        errorElement: <RouteError />,
        children: [
          { index: true, lazy: guarded(['admin'], async () => (await admin()).AdminUsers) },
          { path: 'jobs', lazy: guarded(['admin'], async () => (await admin()).AdminJobs) },
          { path: 'reports', lazy: guarded(['admin'], async () => (await admin()).AdminReports) },
        ],
      },
      { path: '*', element: <NotFound /> },
    ],
  },
];

export function App() {
  return <RouterProvider router={createBrowserRouter(routes)} />;
}
